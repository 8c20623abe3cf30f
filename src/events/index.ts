/** Event shapes shared by the local dev worker and deploy. */
export { workerFunctionArn, workerQueueArn, workerScheduleArn, type EventOrigin } from "./origin.js";
export { buildSqsEvent, buildSqsRecord, LOCAL_SENDER_ID, md5Hex, type SqsRecordInput } from "./sqs.js";
export {
  buildScheduledEvent,
  formatScheduledTime,
  SCHEDULER_CONTEXT,
  schedulerTargetInput,
  type ScheduledEventInput,
} from "./scheduledEvent.js";
export { buildLambdaContext, type LambdaContextInput } from "./lambdaContext.js";
