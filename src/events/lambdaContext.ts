/** A context object like the one Lambda passes, for running the handler locally. */
import { randomBytes, randomUUID } from "node:crypto";
import { resourceNames } from "../project/names.js";
import type { LambdaContext } from "../runtime/types.js";
import { workerFunctionArn, type EventOrigin } from "./origin.js";

export interface LambdaContextInput {
  origin: EventOrigin;
  /** Function memory, MB (LETSGO_WORKER_MEMORY). */
  memoryMb: number;
  /** Epoch ms when the invocation times out. */
  deadline: number;
  /** Default: a new UUID per invocation. */
  awsRequestId?: string;
  /** Clock in epoch ms. Default: Date.now. */
  now?: () => number;
}

export function buildLambdaContext(input: LambdaContextInput): LambdaContext {
  const names = resourceNames(input.origin.deployment);
  const now = input.now ?? Date.now;
  const day = new Date(now()).toISOString().slice(0, 10).replace(/-/g, "/");
  return {
    awsRequestId: input.awsRequestId ?? randomUUID(),
    functionName: names.function,
    functionVersion: "$LATEST",
    invokedFunctionArn: workerFunctionArn(input.origin),
    memoryLimitInMB: String(input.memoryMb),
    logGroupName: names.logGroup,
    logStreamName: `${day}/[$LATEST]${randomBytes(16).toString("hex")}`,
    getRemainingTimeInMillis: () => Math.max(0, input.deadline - now()),
  };
}
