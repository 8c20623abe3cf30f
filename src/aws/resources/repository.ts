/**
 * The image repository: scanned on push, and a lifecycle policy that keeps only
 * the most recent images so old builds do not pile up in storage.
 */
import { arn } from "../../project/names.js";
import type { Aws } from "../clients.js";
import { diffFields, diffTags, parseJsonDocument, tagChanges, type FieldChange } from "../diff.js";
import { NOT_FOUND, deleteIfExists, readOrUndefined } from "../failure.js";
import type { DeployTarget } from "../target.js";
import { MISSING, tagList, type DeployedResource } from "./resource.js";

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

export function diffRepository(current: RepositoryState | undefined, desired: DesiredRepository | undefined, tags: Record<string, string>): FieldChange[] {
  if (!current || !desired) return [];
  return [
    ...diffFields({ scanOnPush: current.scanOnPush, lifecyclePolicy: current.lifecyclePolicy }, { ...desired }),
    ...tagChanges(current.tags, tags),
  ];
}

/** The repository by name (its read needs no account: deploy makes it before the target exists, src/aws/deploy.ts). */
export async function readRepository(aws: Aws, name: string): Promise<RepositoryState | undefined> {
  const ecr = await aws.client("ecr");
  const m = await import("@aws-sdk/client-ecr");
  const out = await readOrUndefined(() => ecr.send(new m.DescribeRepositoriesCommand({ repositoryNames: [name] })), NOT_FOUND.repository);
  const repo = out?.repositories?.[0];
  if (!repo) return undefined;
  const policy = await readOrUndefined(() => ecr.send(new m.GetLifecyclePolicyCommand({ repositoryName: name })), NOT_FOUND.lifecyclePolicy);
  const tagList = (await ecr.send(new m.ListTagsForResourceCommand({ resourceArn: repo.repositoryArn }))).tags ?? [];
  return {
    arn: repo.repositoryArn ?? "",
    uri: repo.repositoryUri ?? "",
    scanOnPush: repo.imageScanningConfiguration?.scanOnPush === true,
    lifecyclePolicy: parseJsonDocument(policy?.lifecyclePolicyText),
    tags: Object.fromEntries(tagList.map((tag) => [tag.Key!, tag.Value ?? ""])),
  };
}

/** Is this tag already in the ECR repository? (False when the repository does not exist yet.) */
export async function hasImageTag(aws: Aws, target: DeployTarget, tag: string): Promise<boolean> {
  const { DescribeImagesCommand } = await import("@aws-sdk/client-ecr");
  const ecr = await aws.client("ecr");
  const out = await readOrUndefined(
    () => ecr.send(new DescribeImagesCommand({ repositoryName: repository.name(target), imageIds: [{ imageTag: tag }] })),
    NOT_FOUND.image,
  );
  return (out?.imageDetails ?? []).length > 0;
}

export const repository = {
  id: "ecr",
  label: "ECR repository",
  keepsData: true,
  doing: { read: "reading the repository", create: "CreateRepository", update: "updating the repository" },
  name: (target) => target.names.repository,
  arn: (t) => arn({ partition: t.partition, service: "ecr", region: t.region, account: t.account, resource: `repository/${t.names.repository}` }),
  read: (aws, target) => readRepository(aws, target.names.repository),
  desired: () => desiredRepository(),
  diff: (current, desired, target) => diffRepository(current, desired, target.tags),

  async apply(aws, target, { current, desired, changes }) {
    const ecr = await aws.client("ecr");
    const m = await import("@aws-sdk/client-ecr");
    const repositoryName = target.names.repository;
    const lifecyclePolicyText = JSON.stringify(desired!.lifecyclePolicy);
    if (!current) {
      await ecr.send(new m.CreateRepositoryCommand({ repositoryName, imageScanningConfiguration: { scanOnPush: true }, tags: tagList(target.tags) }));
      await ecr.send(new m.PutLifecyclePolicyCommand({ repositoryName, lifecyclePolicyText }));
      return;
    }
    const changed = new Set(changes.map((change) => change.field));
    if (changed.has("scanOnPush")) {
      await ecr.send(new m.PutImageScanningConfigurationCommand({ repositoryName, imageScanningConfiguration: { scanOnPush: true } }));
    }
    if (changed.has("lifecyclePolicy")) await ecr.send(new m.PutLifecyclePolicyCommand({ repositoryName, lifecyclePolicyText }));
    const { set, remove } = diffTags(current.tags, target.tags);
    if (Object.keys(set).length > 0) await ecr.send(new m.TagResourceCommand({ resourceArn: current.arn, tags: tagList(set) }));
    if (remove.length > 0) await ecr.send(new m.UntagResourceCommand({ resourceArn: current.arn, tagKeys: remove }));
  },

  /** The repository and its images. */
  async remove(aws, target) {
    const { DeleteRepositoryCommand } = await import("@aws-sdk/client-ecr");
    const ecr = await aws.client("ecr");
    return deleteIfExists(() => ecr.send(new DeleteRepositoryCommand({ repositoryName: target.names.repository, force: true })), NOT_FOUND.repository);
  },

  describe: (repo) => (repo ? { present: true, details: { uri: repo.uri, scanOnPush: repo.scanOnPush } } : MISSING),
} satisfies DeployedResource<RepositoryState, DesiredRepository>;
