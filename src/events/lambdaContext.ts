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
  const now = input.now ?? Date.now;
  const fn = functionOf(input.origin, now());
  return {
    awsRequestId: input.awsRequestId ?? randomUUID(),
    functionName: fn.name,
    functionVersion: "$LATEST",
    invokedFunctionArn: fn.arn,
    memoryLimitInMB: String(input.memoryMb),
    logGroupName: fn.logGroup,
    logStreamName: fn.logStream,
    getRemainingTimeInMillis: () => Math.max(0, input.deadline - now()),
  };
}

/**
 * What stays the same from one invocation to the next in a process: the
 * function's names and ARN, and its log stream, which Lambda opens once per
 * execution environment (dated the day it started), not once per invocation.
 */
let lastFunction: { key: string; name: string; arn: string; logGroup: string; logStream: string } | undefined;

function functionOf(origin: EventOrigin, nowMs: number) {
  const key = `${origin.deployment}|${origin.region}|${origin.account ?? ""}|${origin.partition ?? ""}`;
  if (lastFunction?.key === key) return lastFunction;
  const names = resourceNames(origin.deployment);
  const day = new Date(nowMs).toISOString().slice(0, 10).replace(/-/g, "/");
  lastFunction = {
    key,
    name: names.function,
    arn: workerFunctionArn(origin),
    logGroup: names.logGroup,
    logStream: lastFunction?.logStream ?? `${day}/[$LATEST]${randomBytes(16).toString("hex")}`,
  };
  return lastFunction;
}
