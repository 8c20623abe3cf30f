/**
 * The shapes the worker's Lambda receives and returns. Our own minimal types (no
 * @types/aws-lambda in the public .d.ts): the real objects Lambda passes carry more
 * fields, and stay assignable to these.
 */

/** What goes on the queue: `type` picks the handler, `payload` is its data. */
export interface Message {
  type: string;
  payload: any;
}

/** One SQS message as Lambda hands it over. Attribute values are strings. */
export interface SqsRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: SqsRecordAttributes;
  messageAttributes: Record<string, SqsMessageAttribute>;
  md5OfBody: string;
  /** SQS's MD5 of the message attributes, when there are any. */
  md5OfMessageAttributes?: string;
  eventSource: string;
  eventSourceARN: string;
  awsRegion: string;
}

export interface SqsRecordAttributes {
  ApproximateReceiveCount: string;
  /** Epoch milliseconds, as a string. */
  SentTimestamp: string;
  SenderId: string;
  /** Epoch milliseconds, as a string. */
  ApproximateFirstReceiveTimestamp: string;
  [name: string]: string | undefined;
}

export interface SqsMessageAttribute {
  dataType: string;
  stringValue?: string;
  binaryValue?: string;
  stringListValues?: string[];
  binaryListValues?: string[];
}

export interface SqsEvent {
  Records: SqsRecord[];
}

/** Tells the event source mapping which messages to put back on the queue. */
export interface SqsBatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

/** What EventBridge Scheduler delivers to the worker on each scheduled run. */
export interface ScheduledEvent {
  version: string;
  /** The scheduler's execution id: unique per scheduled run. */
  id: string;
  "detail-type": "Scheduled Event";
  source: "aws.scheduler";
  account: string;
  /** The time the run was scheduled for, ISO 8601 UTC. */
  time: string;
  region: string;
  /** The schedule's ARN. */
  resources: string[];
  detail: unknown;
}

/** The parts of Lambda's context object handlers use. */
export interface LambdaContext {
  awsRequestId: string;
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  /** A string, as in Lambda's Node.js runtime. */
  memoryLimitInMB: string;
  logGroupName: string;
  logStreamName: string;
  getRemainingTimeInMillis(): number;
  /** Lambda's Node.js runtime sets it true; it matters only to callback-style handlers. */
  callbackWaitsForEmptyEventLoop: boolean;
  /** A Cognito identity, for mobile SDK invocations only: undefined here. */
  identity?: unknown;
  /** A mobile client's context, for mobile SDK invocations only: undefined here. */
  clientContext?: unknown;
  /** Node.js 22's legacy completions, as its runtime gives them: end the invocation with `result`... */
  succeed?(result?: unknown): void;
  /** ...or fail it with `error`... */
  fail?(error: unknown): void;
  /** ...or either, callback style. */
  done?(error?: unknown, result?: unknown): void;
}

/** Handles one message type. Throw to have the message retried (and, in the end, dead-lettered). */
export type MessageHandler<T extends Message = Message> = (
  message: T,
  event: SqsEvent,
  context: LambdaContext,
) => Promise<void>;

/** Runs on every scheduled run. Throw to have EventBridge Scheduler retry the run. */
export type ScheduledEventHandler = (event: ScheduledEvent, context: LambdaContext) => Promise<void>;

/** Everything Lambda may call the worker with. */
export type WorkerEvent = SqsEvent | ScheduledEvent;

/** The Lambda handler `createWorkerHandler` returns. */
export type WorkerHandler = (event: WorkerEvent, context: LambdaContext) => Promise<SqsBatchResponse | undefined>;
