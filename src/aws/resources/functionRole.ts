/**
 * The function's execution role. It may use exactly this worker's queue
 * (consume, and send follow-up work), send to this worker's DLQ (Lambda sends a
 * failed scheduled run's record there with the function's role: the async
 * invoke config's on-failure destination), write its own log group and, when
 * the project has secrets, read its own SSM path.
 */
import { deadLetterQueue } from "./deadLetterQueue.js";
import { iamRole } from "./iamRole.js";
import { logGroup } from "./logGroup.js";
import { workQueue } from "./queue.js";
import { secrets } from "./secrets.js";

export const functionRole = iamRole({
  id: "iam-function",
  label: "IAM function role",
  name: (target) => target.names.functionRole,
  desired(target, inputs) {
    const queue = workQueue.arn(target);
    const logs = logGroup.arn(target);
    const statements: Array<Record<string, unknown>> = [
      {
        Sid: "ConsumeOwnQueue",
        Effect: "Allow",
        Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"],
        Resource: queue,
      },
      { Sid: "EnqueueFollowUpWork", Effect: "Allow", Action: "sqs:SendMessage", Resource: queue },
      { Sid: "FailedRunsToOwnDlq", Effect: "Allow", Action: "sqs:SendMessage", Resource: deadLetterQueue.arn(target) },
      { Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], Resource: [logs, `${logs}:*`] },
    ];
    if (Object.keys(inputs.environment.secrets).length > 0) {
      const path = secrets.arn(target);
      statements.push({ Sid: "ReadOwnSecrets", Effect: "Allow", Action: "ssm:GetParametersByPath", Resource: [path, `${path}/*`] });
    }
    return {
      trustPolicy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] },
      inlinePolicy: { Version: "2012-10-17", Statement: statements },
    };
  },
});
