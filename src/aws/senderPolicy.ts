/**
 * The IAM policy an application's role needs to put work on the worker's
 * queue: `sqs:SendMessage` on this one queue, nothing else. SendMessage also
 * authorises SendMessageBatch (SQS has no separate batch action), and the app
 * finds the queue by the URL it is given (LETSGO_WORKER_QUEUE_URL), so it needs
 * no GetQueueUrl either.
 *
 * No KMS permission: the queue is encrypted with SQS-managed keys
 * (SqsManagedSseEnabled, see resources/queue.ts). A customer managed KMS key would also
 * need kms:GenerateDataKey and kms:Decrypt on that key.
 */

export interface SenderPolicyDocument {
  Version: "2012-10-17";
  Statement: Array<{ Sid: string; Effect: "Allow"; Action: string; Resource: string }>;
}

const SQS_QUEUE_ARN = /^arn:[a-z-]+:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}$/;

/**
 * The policy for a queue ARN as the deploy target forms it (partition-aware:
 * `arn:aws:sqs:…`, `arn:aws-cn:sqs:…`, `arn:aws-us-gov:sqs:…`).
 */
export function senderPolicy(queueArn: string): SenderPolicyDocument {
  if (!SQS_QUEUE_ARN.test(queueArn)) throw new TypeError(`Not a standard SQS queue ARN: ${queueArn}`);
  return {
    Version: "2012-10-17",
    Statement: [{ Sid: "SendToLetsgoWorkerQueue", Effect: "Allow", Action: "sqs:SendMessage", Resource: queueArn }],
  };
}
