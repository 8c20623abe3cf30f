/**
 * The deployment's resources, one module each, in the order AWS needs them:
 * each after what it refers to. `deploy` walks the list forward (the image push
 * goes right after the repository), `destroy` backward, keeping the data with
 * --keep-data, and `status` reads it. A new resource is one module in this
 * folder and one line in RESOURCES.
 */
import { asyncInvokeConfig } from "./asyncInvokeConfig.js";
import { deadLetterQueue } from "./deadLetterQueue.js";
import { eventSourceMapping } from "./eventSourceMapping.js";
import { workerFunction } from "./function.js";
import { functionRole } from "./functionRole.js";
import { logGroup } from "./logGroup.js";
import { workQueue } from "./queue.js";
import { repository } from "./repository.js";
import type { Resource } from "./resource.js";
import { schedule } from "./schedule.js";
import { scheduleGroup } from "./scheduleGroup.js";
import { schedulerRole } from "./schedulerRole.js";
import { secrets } from "./secrets.js";

export const RESOURCES: ReadonlyArray<Resource<any>> = [
  logGroup, // Lambda creates it; first, so that destroy removes it last, with the other data
  repository,
  secrets,
  functionRole,
  schedulerRole,
  deadLetterQueue,
  workQueue,
  workerFunction,
  asyncInvokeConfig,
  eventSourceMapping,
  scheduleGroup,
  schedule,
];

export {
  asyncInvokeConfig,
  deadLetterQueue,
  eventSourceMapping,
  functionRole,
  logGroup,
  repository,
  schedule,
  scheduleGroup,
  schedulerRole,
  secrets,
  workerFunction,
  workQueue,
};
export { Planner, actionFor, isDeployed, planChange, type Change, type DeployInputs, type DeployedResource, type Resource, type ResourceView } from "./resource.js";
