/**
 * The scheduler's role: it may only invoke this function and, as AWS requires
 * for a schedule's dead-letter queue, send to this worker's DLQ.
 */
import { deadLetterQueue } from "./deadLetterQueue.js";
import { workerFunction } from "./function.js";
import { iamRole } from "./iamRole.js";

export const schedulerRole = iamRole({
  id: "iam-scheduler",
  label: "IAM scheduler role",
  name: (target) => target.names.schedulerRole,
  desired: (target) => ({
    trustPolicy: {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "scheduler.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": target.account } },
        },
      ],
    },
    inlinePolicy: {
      Version: "2012-10-17",
      Statement: [
        { Sid: "InvokeOwnFunction", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: workerFunction.arn(target) },
        { Sid: "DeadLetterToOwnDlq", Effect: "Allow", Action: "sqs:SendMessage", Resource: deadLetterQueue.arn(target) },
      ],
    },
  }),
});
