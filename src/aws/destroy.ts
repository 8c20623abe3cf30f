/**
 * `destroy`: remove the deployment's resources, walking RESOURCES
 * (src/aws/resources) backward: dependents first. Every delete treats "already
 * gone" as done, so a second run after a partial failure finishes the job. With
 * `keepData`, the resources that hold data (the queues and their messages, the
 * image repository, the function's logs) stay.
 */
import { LetsgoError, ServiceError, errorMessage } from "../errors.js";
import { awsFailureReason, isAwsFailure } from "./failure.js";
import { RESOURCES, type Resource } from "./resources/index.js";
import { withAws, type AwsCommandOptions } from "./session.js";

export interface DestroyOptions extends AwsCommandOptions {
  keepData?: boolean;
  /** Asked with the resources that exist; false cancels. Omitted: no question. */
  confirm?: (existing: Array<{ resource: string; name: string }>) => Promise<boolean>;
  onProgress?: (event: { resource: string; name: string; outcome: "deleted" | "absent" | "kept" | "failed"; message?: string }) => void;
}

export interface DestroyResult {
  cancelled: boolean;
  items: Array<{ resource: string; name: string; outcome: "deleted" | "absent" | "kept" }>;
}

/** The order destroy removes resources in: the deploy order, backward. */
export const DESTROY_ORDER: ReadonlyArray<Resource<any>> = [...RESOURCES].reverse();

export async function destroyDeployment(options: DestroyOptions): Promise<DestroyResult> {
  return withAws(options, "Destroying the deployment", async ({ aws, target }) => {
    const kept = (resource: Resource<any>) => options.keepData === true && resource.keepsData;
    if (options.confirm) {
      const doomed = DESTROY_ORDER.filter((resource) => !kept(resource));
      const present = await Promise.all(doomed.map(async (resource) => (await resource.read(aws, target)) !== undefined));
      const existing = doomed.filter((_, i) => present[i]).map((resource) => ({ resource: resource.label, name: resource.name(target) }));
      if (existing.length > 0 && !(await options.confirm(existing))) return { cancelled: true, items: [] };
    }
    const results: DestroyResult["items"] = [];
    for (const resource of DESTROY_ORDER) {
      const item = { resource: resource.label, name: resource.name(target) };
      if (kept(resource)) {
        results.push({ ...item, outcome: "kept" });
        options.onProgress?.({ ...item, outcome: "kept" });
        continue;
      }
      try {
        const outcome = (await resource.remove(aws, target)) ? "deleted" : "absent";
        results.push({ ...item, outcome });
        options.onProgress?.({ ...item, outcome });
      } catch (error) {
        options.onProgress?.({ ...item, outcome: "failed", message: errorMessage(error) });
        if (error instanceof LetsgoError) throw error;
        throw new ServiceError(
          `Destroy stopped at ${item.resource} ${item.name}: ${isAwsFailure(error) ? awsFailureReason(error) : errorMessage(error)}\nRun destroy again to finish: resources already removed are skipped.`,
          { cause: error },
        );
      }
    }
    return { cancelled: false, items: results };
  });
}
