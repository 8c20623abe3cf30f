import { LOCAL_ACCOUNT_ID, functionArn, queueArn, resourceNames, scheduleArn } from "../project/names.js";

/** Which deployment an event belongs to; ARNs in events derive from it as in the cloud. */
export interface EventOrigin {
  deployment: string;
  region: string;
  /** Default: the local account id moto also uses. */
  account?: string;
  /** Default: `aws`. */
  partition?: string;
}

export function originAccount(origin: EventOrigin): string {
  return origin.account ?? LOCAL_ACCOUNT_ID;
}

export function workerQueueArn(origin: EventOrigin): string {
  return queueArn(origin.region, originAccount(origin), resourceNames(origin.deployment).queue, origin.partition);
}

export function workerScheduleArn(origin: EventOrigin): string {
  const names = resourceNames(origin.deployment);
  return scheduleArn(origin.region, originAccount(origin), names.scheduleGroup, names.schedule, origin.partition);
}

export function workerFunctionArn(origin: EventOrigin): string {
  return functionArn(origin.region, originAccount(origin), resourceNames(origin.deployment).function, origin.partition);
}
