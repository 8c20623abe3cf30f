/**
 * Two roles. The function's execution role may use exactly this worker's queue
 * (consume, and send follow-up work), send to this worker's DLQ (Lambda sends a
 * failed scheduled run's record there with the function's role: the async
 * invoke config's on-failure destination), write its own log group and, when
 * the project has secrets, read its own SSM path. The scheduler's role may only
 * invoke this function and, as AWS requires for a schedule's dead-letter queue,
 * send to this worker's DLQ.
 */
import type { Aws } from "./clients.js";
import { diffFields, parseJsonDocument, tagChanges, diffTags, type FieldChange } from "./diff.js";
import { type PlannedStep, inStep, isAwsError } from "./step.js";
import type { DeployTarget } from "./target.js";

export const INLINE_POLICY_NAME = "letsgo-worker";

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: Array<Record<string, unknown>>;
}

export interface RoleState {
  arn: string;
  trustPolicy: unknown;
  inlinePolicy: unknown;
  tags: Record<string, string>;
}

export interface DesiredRole {
  name: string;
  trustPolicy: PolicyDocument;
  inlinePolicy: PolicyDocument;
}

export function functionRole(target: DeployTarget, withSecrets: boolean): DesiredRole {
  const statements: Array<Record<string, unknown>> = [
    {
      Sid: "ConsumeOwnQueue",
      Effect: "Allow",
      Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"],
      Resource: target.arns.queue,
    },
    { Sid: "EnqueueFollowUpWork", Effect: "Allow", Action: "sqs:SendMessage", Resource: target.arns.queue },
    { Sid: "FailedRunsToOwnDlq", Effect: "Allow", Action: "sqs:SendMessage", Resource: target.arns.deadLetterQueue },
    {
      Sid: "WriteOwnLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: [target.arns.logGroup, `${target.arns.logGroup}:*`],
    },
  ];
  if (withSecrets) {
    statements.push({
      Sid: "ReadOwnSecrets",
      Effect: "Allow",
      Action: "ssm:GetParametersByPath",
      Resource: [target.arns.secretsPath, `${target.arns.secretsPath}/*`],
    });
  }
  return {
    name: target.names.functionRole,
    trustPolicy: {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
    },
    inlinePolicy: { Version: "2012-10-17", Statement: statements },
  };
}

export function schedulerRole(target: DeployTarget): DesiredRole {
  return {
    name: target.names.schedulerRole,
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
        { Sid: "InvokeOwnFunction", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: target.arns.function },
        { Sid: "DeadLetterToOwnDlq", Effect: "Allow", Action: "sqs:SendMessage", Resource: target.arns.deadLetterQueue },
      ],
    },
  };
}

export function diffRole(current: RoleState | undefined, desired: DesiredRole, tags: Record<string, string>): FieldChange[] {
  if (!current) return [];
  return [
    ...diffFields(
      { AssumeRolePolicyDocument: current.trustPolicy, InlinePolicy: current.inlinePolicy },
      { AssumeRolePolicyDocument: desired.trustPolicy, InlinePolicy: desired.inlinePolicy },
    ),
    ...tagChanges(current.tags, tags),
  ];
}

export async function readRole(aws: Aws, name: string): Promise<RoleState | undefined> {
  const iam = await aws.client("iam");
  const m = await import("@aws-sdk/client-iam");
  let role;
  try {
    role = (await iam.send(new m.GetRoleCommand({ RoleName: name }))).Role!;
  } catch (error) {
    if (isAwsError(error, "NoSuchEntity", "NoSuchEntityException")) return undefined;
    throw error;
  }
  let inlinePolicy: unknown;
  try {
    const out = await iam.send(new m.GetRolePolicyCommand({ RoleName: name, PolicyName: INLINE_POLICY_NAME }));
    inlinePolicy = parseJsonDocument(out.PolicyDocument);
  } catch (error) {
    if (!isAwsError(error, "NoSuchEntity", "NoSuchEntityException")) throw error;
  }
  const tagList = (await iam.send(new m.ListRoleTagsCommand({ RoleName: name }))).Tags ?? [];
  const tags = Object.fromEntries(tagList.map((tag) => [tag.Key!, tag.Value ?? ""]));
  return { arn: role.Arn!, trustPolicy: parseJsonDocument(role.AssumeRolePolicyDocument), inlinePolicy, tags };
}

async function applyRole(aws: Aws, current: RoleState | undefined, desired: DesiredRole, tags: Record<string, string>) {
  const iam = await aws.client("iam");
  const m = await import("@aws-sdk/client-iam");
  const trust = JSON.stringify(desired.trustPolicy);
  const inline = JSON.stringify(desired.inlinePolicy);
  if (!current) {
    await iam.send(
      new m.CreateRoleCommand({
        RoleName: desired.name,
        AssumeRolePolicyDocument: trust,
        Description: "letsgo-worker: created and updated by `letsgo-worker deploy`",
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
    await iam.send(new m.PutRolePolicyCommand({ RoleName: desired.name, PolicyName: INLINE_POLICY_NAME, PolicyDocument: inline }));
    return;
  }
  const changed = new Set(diffRole(current, desired, tags).map((change) => change.field));
  if (changed.has("AssumeRolePolicyDocument")) {
    await iam.send(new m.UpdateAssumeRolePolicyCommand({ RoleName: desired.name, PolicyDocument: trust }));
  }
  if (changed.has("InlinePolicy")) {
    await iam.send(new m.PutRolePolicyCommand({ RoleName: desired.name, PolicyName: INLINE_POLICY_NAME, PolicyDocument: inline }));
  }
  const { set, remove } = diffTags(current.tags, tags);
  if (Object.keys(set).length > 0) {
    await iam.send(new m.TagRoleCommand({ RoleName: desired.name, Tags: Object.entries(set).map(([Key, Value]) => ({ Key, Value })) }));
  }
  if (remove.length > 0) await iam.send(new m.UntagRoleCommand({ RoleName: desired.name, TagKeys: remove }));
}

export async function planRole(aws: Aws, target: DeployTarget, id: string, resource: string, desired: DesiredRole): Promise<PlannedStep> {
  const current = await inStep(resource, "reading the role", () => readRole(aws, desired.name));
  const changes = diffRole(current, desired, target.tags);
  const action = !current ? "create" : changes.length > 0 ? "update" : "unchanged";
  const step: PlannedStep = { id, resource, name: desired.name, action, changes, notes: [] };
  if (action !== "unchanged") {
    step.apply = () => inStep(resource, action === "create" ? "CreateRole" : "updating the role", () => applyRole(aws, current, desired, target.tags));
  }
  return step;
}

/** Delete a role and its inline policies; false when it did not exist. */
export async function deleteRole(aws: Aws, name: string): Promise<boolean> {
  const iam = await aws.client("iam");
  const m = await import("@aws-sdk/client-iam");
  let policies: string[];
  try {
    policies = (await iam.send(new m.ListRolePoliciesCommand({ RoleName: name }))).PolicyNames ?? [];
  } catch (error) {
    if (isAwsError(error, "NoSuchEntity", "NoSuchEntityException")) return false;
    throw error;
  }
  for (const policy of policies) await iam.send(new m.DeleteRolePolicyCommand({ RoleName: name, PolicyName: policy }));
  try {
    await iam.send(new m.DeleteRoleCommand({ RoleName: name }));
  } catch (error) {
    if (isAwsError(error, "NoSuchEntity", "NoSuchEntityException")) return false;
    throw error;
  }
  return true;
}
