/**
 * What the dashboard reads from the running worker (http/dashboard.ts's
 * DashboardSource), gathered from the parts: counts and processes, the
 * schedule with its latest runs, the types a message can be sent as, replay,
 * and a Stripe test event signed and handed to POST /stripe's handler (the
 * same verification as a delivery from Stripe, without a request to itself).
 */
import type { EventEmitter } from "node:events";
import type { Settings } from "../../project/settings.js";
import { STRIPE_EVENT_TYPES, type StripeEventType } from "../../project/stripeEvents.js";
import type { PayloadSchemas } from "../../runtime/payloadShapeTypes.js";
import { signStripePayload } from "../../runtime/stripeWebhook.js";
import { buildStripeTestEvent } from "../../stripe/testEvents.js";
import type { DevWorker, DevWorkerEvents } from "../devWorkerTypes.js";
import type { MessageHistory } from "../history/history.js";
import type { DashboardSource } from "../http/dashboard.js";
import type { ScheduleRunView, ScheduleView } from "../http/devApi.js";
import type { RetryingView } from "../http/devApi.js";
import { sendableTypes } from "../http/sendableTypes.js";
import type { JournalState } from "../journal/journalTypes.js";
import type { MessageQueue } from "../queue/messageQueue.js";
import type { TypesState } from "../types/typeChecks.js";
import type { QueueActions } from "./queueActions.js";
import { messageStory } from "./messageStory.js";
import { settingsInWords } from "./settingsInWords.js";

/** Scheduled runs the Schedule view lists, latest first. */
export const SCHEDULE_RUNS_SHOWN = 20;

export interface DashboardParts {
  history: MessageHistory;
  queue: Pick<MessageQueue, "stats" | "counters">;
  journal(): JournalState;
  processes(): Array<{ pid?: number; state: string }>;
  settings: Settings;
  handler: DevWorker["handler"];
  types(): TypesState;
  retrying(): RetryingView[];
  paths: { root: string; typesIndex: string };
  payloadSchemas(): PayloadSchemas | undefined;
  /** The Schedule view for these runs (schedule/scheduleView.ts). */
  schedule(runs: ScheduleRunView[]): ScheduleView;
  actions: Pick<QueueActions, "replay">;
  /** POST /stripe's handler, and the secret it verifies with now. */
  deliverStripe(payload: string, signature: string): Promise<{ status: number; body: unknown }>;
  stripeSecret(): string;
  /** Handler restarts and scheduled runs are counted from the worker's events. */
  events: Pick<EventEmitter<DevWorkerEvents>, "on">;
}

export function dashboardData(parts: DashboardParts): DashboardSource {
  let restarts = 0;
  parts.events.on("handler:exit", () => restarts++);
  const scheduleRuns: ScheduleRunView[] = [];
  parts.events.on("schedule:ran", (run) => {
    scheduleRuns.unshift({ ...run, at: new Date().toISOString(), output: parts.history.outputOf(run.requestId) }); // the history files every invocation's output; lines after the outcome join it
    scheduleRuns.length = Math.min(scheduleRuns.length, SCHEDULE_RUNS_SHOWN);
  });
  return {
    history: parts.history,
    journal: parts.journal,
    stats: () => parts.queue.stats(Date.now()),
    counters: () => parts.queue.counters,
    processes: parts.processes,
    restarts: () => restarts,
    settings: () => settingsInWords(parts.settings),
    handler: () => parts.handler,
    types: parts.types,
    story: (entry) => messageStory(entry, parts.retrying().find((view) => view.messageId === entry.id) ?? null, parts.paths.root),
    messageTypes: () => sendableTypes(parts.paths, parts.payloadSchemas()),
    schedule: () => parts.schedule(scheduleRuns),
    stripeEventTypes: STRIPE_EVENT_TYPES,
    replay: (id, payload) => parts.actions.replay(id, payload),
    // Loaded when asked for: dev starts and runs without the AWS SDK unless the Deployed view is opened.
    async deployed() {
      const { deployedView } = await import("../../aws/deployedView.js");
      return deployedView({ cwd: parts.paths.root });
    },
    async redriveDeployed() {
      const { redriveDeployedDlq } = await import("../../aws/deployedQueue.js");
      const { taskHandle, approximateCount } = await redriveDeployedDlq({ cwd: parts.paths.root });
      return { taskHandle, approximateCount };
    },
    async triggerStripe(type) {
      const payload = JSON.stringify(buildStripeTestEvent(type as StripeEventType), null, 2);
      return parts.deliverStripe(payload, signStripePayload(payload, parts.stripeSecret()));
    },
  };
}
