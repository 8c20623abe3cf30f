/**
 * The image repository: scanned on push, and a lifecycle policy that keeps only
 * the most recent images so old builds do not pile up in storage.
 */
import type { Aws } from "./clients.js";
import { diffFields, parseJsonDocument, tagChanges, diffTags, type FieldChange } from "./diff.js";
import { type PlannedStep, inStep, isAwsError } from "./step.js";
import type { DeployTarget } from "./target.js";

export const IMAGES_KEPT = 10;

export interface RepositoryState {
  arn: string;
  uri: string;
  scanOnPush: boolean;
  lifecyclePolicy: unknown;
  tags: Record<string, string>;
}

export interface DesiredRepository {
  scanOnPush: true;
  lifecyclePolicy: unknown;
}

export function desiredRepository(): DesiredRepository {
  return {
    scanOnPush: true,
    lifecyclePolicy: {
      rules: [
        {
          rulePriority: 1,
          description: `Keep the last ${IMAGES_KEPT} images`,
          selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: IMAGES_KEPT },
          action: { type: "expire" },
        },
      ],
    },
  };
}

export function diffRepository(current: RepositoryState | undefined, desired: DesiredRepository, tags: Record<string, string>): FieldChange[] {
  if (!current) return [];
  return [
    ...diffFields({ scanOnPush: current.scanOnPush, lifecyclePolicy: current.lifecyclePolicy }, { ...desired }),
    ...tagChanges(current.tags, tags),
  ];
}

export async function readRepository(aws: Aws, name: string): Promise<RepositoryState | undefined> {
  const ecr = await aws.client("ecr");
  const m = await import("@aws-sdk/client-ecr");
  let repo;
  try {
    repo = (await ecr.send(new m.DescribeRepositoriesCommand({ repositoryNames: [name] }))).repositories?.[0];
  } catch (error) {
    if (isAwsError(error, "RepositoryNotFoundException")) return undefined;
    throw error;
  }
  if (!repo) return undefined;
  let lifecyclePolicy: unknown;
  try {
    lifecyclePolicy = parseJsonDocument((await ecr.send(new m.GetLifecyclePolicyCommand({ repositoryName: name }))).lifecyclePolicyText);
  } catch (error) {
    if (!isAwsError(error, "LifecyclePolicyNotFoundException")) throw error;
  }
  const tagList = (await ecr.send(new m.ListTagsForResourceCommand({ resourceArn: repo.repositoryArn }))).tags ?? [];
  return {
    arn: repo.repositoryArn ?? "",
    uri: repo.repositoryUri ?? "",
    scanOnPush: repo.imageScanningConfiguration?.scanOnPush === true,
    lifecyclePolicy,
    tags: Object.fromEntries(tagList.map((tag) => [tag.Key!, tag.Value ?? ""])),
  };
}

export async function planRepository(aws: Aws, target: DeployTarget): Promise<PlannedStep> {
  const resource = "ECR repository";
  const name = target.names.repository;
  const desired = desiredRepository();
  const current = await inStep(resource, "reading the repository", () => readRepository(aws, name));
  const changes = diffRepository(current, desired, target.tags);
  const action = !current ? "create" : changes.length > 0 ? "update" : "unchanged";
  const step: PlannedStep = { id: "ecr", resource, name, action, changes, notes: [] };
  if (action === "unchanged") return step;
  step.apply = () =>
    inStep(resource, action === "create" ? "CreateRepository" : "updating the repository", async () => {
      const ecr = await aws.client("ecr");
      const m = await import("@aws-sdk/client-ecr");
      const lifecyclePolicyText = JSON.stringify(desired.lifecyclePolicy);
      if (!current) {
        await ecr.send(
          new m.CreateRepositoryCommand({
            repositoryName: name,
            imageScanningConfiguration: { scanOnPush: true },
            tags: Object.entries(target.tags).map(([Key, Value]) => ({ Key, Value })),
          }),
        );
        await ecr.send(new m.PutLifecyclePolicyCommand({ repositoryName: name, lifecyclePolicyText }));
        return;
      }
      const changed = new Set(changes.map((change) => change.field));
      if (changed.has("scanOnPush")) {
        await ecr.send(new m.PutImageScanningConfigurationCommand({ repositoryName: name, imageScanningConfiguration: { scanOnPush: true } }));
      }
      if (changed.has("lifecyclePolicy")) await ecr.send(new m.PutLifecyclePolicyCommand({ repositoryName: name, lifecyclePolicyText }));
      const { set, remove } = diffTags(current.tags, target.tags);
      if (Object.keys(set).length > 0) {
        await ecr.send(new m.TagResourceCommand({ resourceArn: current.arn, tags: Object.entries(set).map(([Key, Value]) => ({ Key, Value })) }));
      }
      if (remove.length > 0) await ecr.send(new m.UntagResourceCommand({ resourceArn: current.arn, tagKeys: remove }));
    });
  return step;
}

/** Is this tag already in the ECR repository? (False when the repository does not exist yet.) */
export async function ecrHasTag(aws: Aws, repository: string, tag: string): Promise<boolean> {
  const { DescribeImagesCommand } = await import("@aws-sdk/client-ecr");
  try {
    const out = await (await aws.client("ecr")).send(new DescribeImagesCommand({ repositoryName: repository, imageIds: [{ imageTag: tag }] }));
    return (out.imageDetails ?? []).length > 0;
  } catch (error) {
    if (isAwsError(error, "ImageNotFoundException", "RepositoryNotFoundException")) return false;
    throw error;
  }
}

/** Delete the repository and its images; false when it did not exist. */
export async function deleteRepository(aws: Aws, name: string): Promise<boolean> {
  const { DeleteRepositoryCommand } = await import("@aws-sdk/client-ecr");
  try {
    await (await aws.client("ecr")).send(new DeleteRepositoryCommand({ repositoryName: name, force: true }));
    return true;
  } catch (error) {
    if (isAwsError(error, "RepositoryNotFoundException")) return false;
    throw error;
  }
}
