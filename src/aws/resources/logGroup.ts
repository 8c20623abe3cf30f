/**
 * The function's CloudWatch Logs group. Lambda creates it on the first run, so
 * deploy leaves it alone and status does not list it; the function's role may
 * write to it, `logs` reads it, and destroy removes it unless --keep-data.
 */
import { arn } from "../../project/names.js";
import { NOT_FOUND, deleteIfExists } from "../failure.js";
import type { DeployTarget } from "../target.js";
import type { Resource } from "./resource.js";

export interface LogGroupState {
  name: string;
  retentionDays?: number;
}

export const logGroup = {
  label: "Log group",
  keepsData: true,
  name: (target: DeployTarget) => target.names.logGroup,
  arn: (t: DeployTarget) => arn({ partition: t.partition, service: "logs", region: t.region, account: t.account, resource: `log-group:${t.names.logGroup}` }),

  async read(aws, target) {
    const { DescribeLogGroupsCommand } = await import("@aws-sdk/client-cloudwatch-logs");
    const name = target.names.logGroup;
    const out = await (await aws.client("logs")).send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }));
    const group = (out.logGroups ?? []).find((candidate) => candidate.logGroupName === name);
    return group && { name, retentionDays: group.retentionInDays };
  },

  async remove(aws, target) {
    const { DeleteLogGroupCommand } = await import("@aws-sdk/client-cloudwatch-logs");
    const logs = await aws.client("logs");
    return deleteIfExists(() => logs.send(new DeleteLogGroupCommand({ logGroupName: target.names.logGroup })), NOT_FOUND.resource);
  },
} satisfies Resource<LogGroupState>;
