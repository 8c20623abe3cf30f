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
  const fn = functionOf(input.origin);
  return {
    awsRequestId: input.awsRequestId ?? randomUUID(),
    functionName: fn.name,
    functionVersion: "$LATEST",
    invokedFunctionArn: fn.arn,
    memoryLimitInMB: String(input.memoryMb),
    logGroupName: fn.logGroup,
    logStreamName: processLogStream(now()),
    getRemainingTimeInMillis: () => Math.max(0, input.deadline - now()),
    // As Lambda's Node.js runtime: true, and no Cognito identity or mobile client context on an SQS or scheduled invocation.
    callbackWaitsForEmptyEventLoop: true,
    identity: undefined,
    clientContext: undefined,
  };
}

/**
 * An X-Ray trace header as Lambda sets _X_AMZN_TRACE_ID for each invocation of
 * a function without active tracing: `Root=1-<epoch seconds, hex>-<96 random
 * bits, hex>;Parent=<64 random bits, hex>;Sampled=0`.
 */
export function newTraceHeader(nowMs = Date.now()): string {
  const seconds = Math.floor(nowMs / 1000).toString(16).padStart(8, "0");
  return `Root=1-${seconds}-${randomBytes(12).toString("hex")};Parent=${randomBytes(8).toString("hex")};Sampled=0`;
}

let logStream: string | undefined;

/**
 * This process's log stream name: Lambda opens one per execution environment
 * (dated the day it started), not one per invocation; dev's handler process
 * also puts it in AWS_LAMBDA_LOG_STREAM_NAME, as Lambda does.
 */
export function processLogStream(nowMs = Date.now()): string {
  logStream ??= newLogStream(nowMs);
  return logStream;
}

/** A new execution environment's log stream name: `YYYY/MM/DD/[$LATEST]<32 hex>`. */
export function newLogStream(nowMs = Date.now()): string {
  return `${new Date(nowMs).toISOString().slice(0, 10).replace(/-/g, "/")}/[$LATEST]${randomBytes(16).toString("hex")}`;
}

/** The function's names and ARN: the same from one invocation to the next in a process. */
let lastFunction: { key: string; name: string; arn: string; logGroup: string } | undefined;

function functionOf(origin: EventOrigin) {
  const key = `${origin.deployment}|${origin.region}|${origin.account ?? ""}|${origin.partition ?? ""}`;
  if (lastFunction?.key === key) return lastFunction;
  const names = resourceNames(origin.deployment);
  lastFunction = { key, name: names.function, arn: workerFunctionArn(origin), logGroup: names.logGroup };
  return lastFunction;
}
