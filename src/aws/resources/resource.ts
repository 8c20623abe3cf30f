/**
 * What every resource module in this folder provides. A module owns its
 * resource's label, name and ARN, how to read it, what deploy wants of it, the
 * difference between the two (pure), how to close it, how to remove it and what
 * `status` shows of it. src/aws/resources/index.ts lists the modules in order.
 */
import type { Settings } from "../../project/settings.js";
import type { Aws } from "../clients.js";
import type { FieldChange } from "../diff.js";
import type { FunctionEnvironment } from "../environment.js";
import { type PlannedStep, type StepAction, inStep } from "../step.js";
import type { DeployTarget } from "../target.js";

/** A resource's row in `status`. */
export interface ResourceView {
  present: boolean;
  /** e.g. "Active", "Enabled", "ENABLED". */
  state?: string;
  details: Record<string, string | number | boolean>;
}

/** Tags as most AWS APIs take them: `[{ Key, Value }]`. */
export function tagList(tags: Record<string, string>): Array<{ Key: string; Value: string }> {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** The row of a resource that does not exist. */
export const MISSING: ResourceView = Object.freeze({ present: false, details: Object.freeze({}) }) as ResourceView;

export interface Resource<C = unknown> {
  /** For people, in plans, status and destroy: "SQS dead-letter queue". */
  readonly label: string;
  /** Kept by `destroy --keep-data` (messages, images, logs). */
  readonly keepsData: boolean;
  name(target: DeployTarget): string;
  /** Its ARN, derived (never read back) so a plan is complete before anything exists; absent when AWS picks it. */
  arn?(target: DeployTarget): string;
  /** Its current state, or undefined when it does not exist. */
  read(aws: Aws, target: DeployTarget): Promise<C | undefined>;
  /** Delete it, and what it holds; false when there was nothing to delete. */
  remove(aws: Aws, target: DeployTarget): Promise<boolean>;
  /** What `status` shows of it; without one, status leaves the resource out. */
  describe?(current: C | undefined, target: DeployTarget): ResourceView;
}

/** What deploy knows beyond the target. */
export interface DeployInputs {
  /** The image URI the function runs. */
  image: string;
  /** The function's variables and the secrets kept out of them (from apps/worker/.env). */
  environment: FunctionEnvironment;
  /** What an earlier resource in the list was found to be in this run (undefined: absent, or not read). */
  found<C>(resource: Resource<C>): C | undefined;
}

/** What deploy found and will do, handed to `apply`. */
export interface Change<C, D> {
  action: StepAction;
  current: C | undefined;
  desired: D | undefined;
  changes: FieldChange[];
}

/** Records a later resource's state, found while reading another: the plan then skips that resource's own read. */
export type Learn = <C>(resource: Resource<C>, state: C | undefined) => void;

/** A resource deploy creates and keeps in shape (all but the log group, which Lambda creates). */
export interface DeployedResource<C = unknown, D = unknown> extends Resource<C> {
  /** Step id in plans, progress and --json: "sqs-dlq". */
  readonly id: string;
  /** What each call is, for error messages: "reading the queue", "CreateQueue". */
  readonly doing: { read: string; create?: string; update?: string; delete?: string };
  /**
   * What a deploy's plan reads instead of `read`, when this resource's read also
   * tells a later resource's state (`learn` it): the schedule group, found by
   * finding the schedule it holds. `status` and `destroy` use `read`.
   */
  readInPlan?(aws: Aws, target: DeployTarget, learn: Learn): Promise<C | undefined>;
  /** Checks of the settings alone, made before any AWS call: returns warnings, throws a SettingsError. */
  check?(settings: Settings): string[];
  /** What deploy wants, or undefined when the resource should not exist. Pure. */
  desired(target: DeployTarget, inputs: DeployInputs): D | undefined;
  /** The fields that differ, for the plan and for `apply`. Pure. */
  diff(current: C | undefined, desired: D | undefined, target: DeployTarget): FieldChange[];
  /** What the user should know about this step. */
  notes?(target: DeployTarget, inputs: DeployInputs): string[];
  /** Make AWS match `change.desired`: create, update or delete, as `change.action` says. */
  apply(aws: Aws, target: DeployTarget, change: Change<C, D>): Promise<void>;
}

export function isDeployed(resource: Resource<any>): resource is DeployedResource<any, any> {
  return "desired" in resource;
}

/** The action that takes what exists to what is wanted. */
export function actionFor(exists: boolean, wanted: boolean, changed: boolean): StepAction {
  if (!wanted) return exists ? "delete" : "absent";
  if (!exists) return "create";
  return changed ? "update" : "unchanged";
}

/** What deploy would do to a resource, given its current state. Pure: no AWS call. */
export function planChange<C, D>(resource: DeployedResource<C, D>, target: DeployTarget, inputs: DeployInputs, current: C | undefined): Change<C, D> {
  const desired = resource.desired(target, inputs);
  const changes = resource.diff(current, desired, target);
  return { action: actionFor(current !== undefined, desired !== undefined, changes.length > 0), current, desired, changes };
}

/** The step for a change: its apply is present only when there is something to do. */
export function stepFor<C, D>(
  aws: Aws,
  target: DeployTarget,
  resource: DeployedResource<C, D>,
  change: Change<C, D>,
  notes: string[],
): PlannedStep {
  const { label, id } = resource;
  const step: PlannedStep = { id, resource: label, name: resource.name(target), action: change.action, changes: change.changes, notes };
  const { action } = change;
  if (action === "create" || action === "update" || action === "delete") {
    const what = resource.doing[action] ?? `${action} ${step.name}`;
    step.apply = () => inStep(label, what, () => resource.apply(aws, target, change));
  }
  return step;
}

/**
 * Plans resources in the list's order, reading each one (errors name the
 * step) and remembering what it found: a later resource's desired state may
 * depend on it (the function's environment on the secrets' versions). A state
 * already known (`know`) is not read again.
 */
export class Planner {
  readonly inputs: DeployInputs;
  private readonly seen = new Map<Resource<any>, unknown>();
  private readonly known = new Map<Resource<any>, unknown>();

  constructor(
    private readonly aws: Aws,
    private readonly target: DeployTarget,
    base: { image: string; environment: FunctionEnvironment },
  ) {
    this.inputs = { ...base, found: <C>(resource: Resource<C>) => this.seen.get(resource) as C | undefined };
  }

  /** A resource's state, read before its turn (by deploy, or by an earlier resource's read): its own read is skipped. */
  know<C>(resource: Resource<C>, state: C | undefined): void {
    this.known.set(resource, state);
  }

  async plan<C, D>(resource: DeployedResource<C, D>): Promise<PlannedStep> {
    const current = this.known.has(resource) ? (this.known.get(resource) as C | undefined) : await this.read(resource);
    this.seen.set(resource, current);
    const change = planChange(resource, this.target, this.inputs, current);
    return stepFor(this.aws, this.target, resource, change, resource.notes?.(this.target, this.inputs) ?? []);
  }

  private read<C, D>(resource: DeployedResource<C, D>): Promise<C | undefined> {
    const learn: Learn = (later, state) => this.know(later, state);
    return inStep(resource.label, resource.doing.read, () =>
      resource.readInPlan ? resource.readInPlan(this.aws, this.target, learn) : resource.read(this.aws, this.target),
    );
  }
}
