/**
 * What the two IAM roles share: a trust policy, one inline policy, the
 * deployment's tags. functionRole.ts and schedulerRole.ts say what each may do.
 */
import { arn } from "../../project/names.js";
import type { Aws } from "../clients.js";
import { diffFields, diffTags, parseJsonDocument, tagChanges, type FieldChange } from "../diff.js";
import { NOT_FOUND, deleteIfExists, readOrUndefined } from "../failure.js";
import type { DeployTarget } from "../target.js";
import { MISSING, tagList, type DeployInputs, type DeployedResource } from "./resource.js";

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
  trustPolicy: PolicyDocument;
  inlinePolicy: PolicyDocument;
}

export function diffRole(current: RoleState | undefined, desired: DesiredRole | undefined, tags: Record<string, string>): FieldChange[] {
  if (!current || !desired) return [];
  return [
    ...diffFields(
      { AssumeRolePolicyDocument: current.trustPolicy, InlinePolicy: current.inlinePolicy },
      { AssumeRolePolicyDocument: desired.trustPolicy, InlinePolicy: desired.inlinePolicy },
    ),
    ...tagChanges(current.tags, tags),
  ];
}

async function readRole(aws: Aws, name: string): Promise<RoleState | undefined> {
  const iam = await aws.client("iam");
  const m = await import("@aws-sdk/client-iam");
  const role = (await readOrUndefined(() => iam.send(new m.GetRoleCommand({ RoleName: name })), NOT_FOUND.iam))?.Role;
  if (!role) return undefined;
  const inline = await readOrUndefined(() => iam.send(new m.GetRolePolicyCommand({ RoleName: name, PolicyName: INLINE_POLICY_NAME })), NOT_FOUND.iam);
  // GetRole returns every tag of the role (at most 50): no ListRoleTags.
  const tagList = role.Tags ?? [];
  return {
    arn: role.Arn!,
    trustPolicy: parseJsonDocument(role.AssumeRolePolicyDocument),
    inlinePolicy: parseJsonDocument(inline?.PolicyDocument),
    tags: Object.fromEntries(tagList.map((tag) => [tag.Key!, tag.Value ?? ""])),
  };
}

/** A role and its inline policies; false when it did not exist. */
async function deleteRole(aws: Aws, name: string): Promise<boolean> {
  const iam = await aws.client("iam");
  const m = await import("@aws-sdk/client-iam");
  const listed = await readOrUndefined(() => iam.send(new m.ListRolePoliciesCommand({ RoleName: name })), NOT_FOUND.iam);
  if (!listed) return false;
  for (const policy of listed.PolicyNames ?? []) await iam.send(new m.DeleteRolePolicyCommand({ RoleName: name, PolicyName: policy }));
  return deleteIfExists(() => iam.send(new m.DeleteRoleCommand({ RoleName: name })), NOT_FOUND.iam);
}

export interface RoleSpec {
  id: string;
  label: string;
  name(target: DeployTarget): string;
  desired(target: DeployTarget, inputs: DeployInputs): DesiredRole;
}

/** A role resource: the spec's name and policies, the mechanics every role shares. */
export function iamRole(spec: RoleSpec) {
  return {
    id: spec.id,
    label: spec.label,
    keepsData: false,
    doing: { read: "reading the role", create: "CreateRole", update: "updating the role" },
    name: spec.name,
    arn: (t: DeployTarget) => arn({ partition: t.partition, service: "iam", region: "", account: t.account, resource: `role/${spec.name(t)}` }),
    read: (aws, target) => readRole(aws, spec.name(target)),
    desired: spec.desired,
    diff: (current, desired, target) => diffRole(current, desired, target.tags),

    async apply(aws, target, { current, desired, changes }) {
      const iam = await aws.client("iam");
      const m = await import("@aws-sdk/client-iam");
      const RoleName = spec.name(target);
      const trust = JSON.stringify(desired!.trustPolicy);
      const inline = JSON.stringify(desired!.inlinePolicy);
      if (!current) {
        await iam.send(
          new m.CreateRoleCommand({
            RoleName,
            AssumeRolePolicyDocument: trust,
            Description: "letsgo-worker: created and updated by `letsgo-worker deploy`",
            Tags: tagList(target.tags),
          }),
        );
        await iam.send(new m.PutRolePolicyCommand({ RoleName, PolicyName: INLINE_POLICY_NAME, PolicyDocument: inline }));
        return;
      }
      const changed = new Set(changes.map((change) => change.field));
      if (changed.has("AssumeRolePolicyDocument")) await iam.send(new m.UpdateAssumeRolePolicyCommand({ RoleName, PolicyDocument: trust }));
      if (changed.has("InlinePolicy")) await iam.send(new m.PutRolePolicyCommand({ RoleName, PolicyName: INLINE_POLICY_NAME, PolicyDocument: inline }));
      const { set, remove } = diffTags(current.tags, target.tags);
      if (Object.keys(set).length > 0) await iam.send(new m.TagRoleCommand({ RoleName, Tags: tagList(set) }));
      if (remove.length > 0) await iam.send(new m.UntagRoleCommand({ RoleName, TagKeys: remove }));
    },

    remove: (aws, target) => deleteRole(aws, spec.name(target)),
    describe: (role) => (role ? { present: true, details: { arn: role.arn } } : MISSING),
  } satisfies DeployedResource<RoleState, DesiredRole>;
}
