/**
 * One resource's part of a deploy: what exists, what we want, the difference and
 * how to close it. src/aws/resources/resource.ts makes one per resource;
 * src/aws/plan.ts orders them and is what `--dry-run` prints.
 */
import { LetsgoError, ServiceError, errorMessage } from "../errors.js";
import type { FieldChange } from "./diff.js";
import { awsFailureReason, isAwsFailure } from "./failure.js";

export type StepAction = "create" | "update" | "unchanged" | "delete" | "absent";

export interface PlannedStep {
  /** Short id used in progress and errors: "sqs-dlq", "lambda", ... */
  id: string;
  /** What kind of resource, for people: "SQS dead-letter queue". */
  resource: string;
  name: string;
  action: StepAction;
  changes: FieldChange[];
  /** Things the user should know about this step (secrets moved to SSM, warnings). */
  notes: string[];
  /** Present when the step has work to do; returns a one-line outcome. */
  apply?: () => Promise<string | void>;
}

/** Run an SDK call and turn its failure into one that names the step. */
export async function inStep<T>(step: string, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof LetsgoError) throw error;
    const reason = isAwsFailure(error) ? awsFailureReason(error) : errorMessage(error);
    throw new ServiceError(`${step}: ${what} failed: ${reason}`, { cause: error });
  }
}
