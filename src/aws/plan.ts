/**
 * The deploy plan: every resource step in the order AWS needs them, what each
 * will do, and how that reads for people (`--dry-run`, the confirmation prompt)
 * and scripts (`--json`).
 */
import { describeValue, type FieldChange } from "./diff.js";
import type { PlannedStep, StepAction } from "./step.js";

export interface DeployPlan {
  deployment: string;
  region: string;
  account: string;
  imageUri: string;
  steps: PlannedStep[];
  /** Advice that does not stop the deploy (e.g. visibility timeout below 6× the function timeout). */
  warnings: string[];
}

/**
 * The order steps run in: the list's, except that a run of adjacent steps that
 * take resources away (or find them already gone) goes backward, dependents
 * first, as destroy does: the schedule is deleted before the group that holds it.
 */
export function inApplyOrder(steps: PlannedStep[]): PlannedStep[] {
  const ordered: PlannedStep[] = [];
  let removals: PlannedStep[] = [];
  for (const step of steps) {
    if (step.action === "delete" || step.action === "absent") {
      removals.unshift(step);
      continue;
    }
    ordered.push(...removals, step);
    removals = [];
  }
  return [...ordered, ...removals];
}

export function pendingSteps(plan: DeployPlan): PlannedStep[] {
  return plan.steps.filter((step) => step.apply !== undefined);
}

export function isUpToDate(plan: DeployPlan): boolean {
  return pendingSteps(plan).length === 0;
}

const MARK: Record<StepAction, string> = { create: "+", update: "~", delete: "-", unchanged: "=", absent: " " };
const WORD: Record<StepAction, string> = { create: "create", update: "update", delete: "delete", unchanged: "unchanged", absent: "none" };

/** One changed field as the plan shows it: `from → to`, or for a secret only what happened (`(secret, changed)`). */
export function formatChange(change: FieldChange): string {
  if (change.secret) return `${change.field}: (secret, ${change.secret})`;
  return `${change.field}: ${describeValue(change.from)} → ${describeValue(change.to)}`;
}

/** A change for --json: a secret's change keeps only its field and what happened, whatever else it carries. */
function changeToJson(change: FieldChange): FieldChange {
  return change.secret ? { field: change.field, secret: change.secret } : change;
}

/** The plan as text lines, one step per line with its changed fields below it. */
export function formatPlan(plan: DeployPlan): string[] {
  const lines = [`Deployment "${plan.deployment}" in ${plan.region} (account ${plan.account}):`];
  const width = Math.max(...plan.steps.map((step) => step.resource.length));
  for (const step of plan.steps) {
    lines.push(`  ${MARK[step.action]} ${step.resource.padEnd(width)}  ${step.name}  ${WORD[step.action]}`);
    for (const change of step.changes) {
      lines.push(`      ${formatChange(change)}`);
    }
    for (const note of step.notes) lines.push(`      note: ${note}`);
  }
  const pending = pendingSteps(plan).length;
  lines.push(pending === 0 ? "Everything is up to date." : `${pending} step${pending === 1 ? "" : "s"} to apply.`);
  return lines;
}

/** The plan without its functions, for `--json`. */
export function planToJson(plan: DeployPlan) {
  return {
    deployment: plan.deployment,
    region: plan.region,
    account: plan.account,
    imageUri: plan.imageUri,
    upToDate: isUpToDate(plan),
    warnings: plan.warnings,
    steps: plan.steps.map(({ id, resource, name, action, changes, notes }) => ({ id, resource, name, action, changes: changes.map(changeToJson), notes })),
  };
}
