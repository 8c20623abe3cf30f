/** The IAM policy an app's role needs to send to the worker's queue: pure, no AWS. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { defaultSettings, type Settings } from "../src/project/settings.ts";
import { buildTarget } from "../src/aws/target.ts";
import { senderPolicy } from "../src/aws/senderPolicy.ts";
import { workQueue } from "../src/aws/resources/index.ts";

const ACCOUNT = "111122223333";

/** The queue ARN deploy gives a deployment, for an identity in `partition`. */
function queueArnFor(partition: string, region: string, deployment = "main"): string {
  const settings = { ...defaultSettings(), LETSGO_DEPLOYMENT: deployment } as Settings;
  return workQueue.arn(buildTarget(settings, { account: ACCOUNT, partition, arn: `arn:${partition}:iam::${ACCOUNT}:user/me` }, region));
}

describe("Function: senderPolicy", () => {
  const cases = [
    { partition: "aws", region: "eu-west-1", arn: `arn:aws:sqs:eu-west-1:${ACCOUNT}:letsgo-main-worker` },
    { partition: "aws-cn", region: "cn-north-1", arn: `arn:aws-cn:sqs:cn-north-1:${ACCOUNT}:letsgo-main-worker` },
    { partition: "aws-us-gov", region: "us-gov-west-1", arn: `arn:aws-us-gov:sqs:us-gov-west-1:${ACCOUNT}:letsgo-main-worker` },
  ];
  for (const { partition, region, arn } of cases) {
    it(`allows only sqs:SendMessage on the deployment's queue in the ${partition} partition`, () => {
      // Prepare
      const queueArn = queueArnFor(partition, region);
      // Act
      const policy = senderPolicy(queueArn);
      // Assess
      assert.equal(queueArn, arn);
      assert.deepEqual(policy, {
        Version: "2012-10-17",
        Statement: [{ Sid: "SendToLetsgoWorkerQueue", Effect: "Allow", Action: "sqs:SendMessage", Resource: arn }],
      });
    });
  }

  it("names each deployment's own queue, never a wildcard", () => {
    const policy = senderPolicy(queueArnFor("aws", "us-east-1", "staging"));
    assert.equal(policy.Statement.length, 1);
    assert.equal(policy.Statement[0]!.Resource, `arn:aws:sqs:us-east-1:${ACCOUNT}:letsgo-staging-worker`);
    assert.doesNotMatch(JSON.stringify(policy), /\*/);
  });

  it("refuses what is not an SQS queue ARN (a queue URL, a DLQ wildcard)", () => {
    for (const wrong of [`https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/letsgo-main-worker`, `arn:aws:sqs:us-east-1:${ACCOUNT}:*`, `arn:aws:sns:us-east-1:${ACCOUNT}:topic`]) {
      assert.throws(() => senderPolicy(wrong), TypeError, wrong);
    }
  });
});
