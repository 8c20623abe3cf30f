/**
 * What `dev`'s worker is, for those who use it (the CLI, the console, the
 * reload watcher, tests): its options, its events and its handle. Apart from
 * worker.ts so that a part worker.ts wires up can name them without importing
 * the worker itself.
 */
import type { TypesChecked, TypesState } from "./types/typeChecks.js";
import type { EventEmitter } from "node:events";
import type { DevOnlyValue, SettingKey, Settings } from "../project/settings.js";
import type { JournalState } from "./journal/journalTypes.js";
import type { ReplayResult } from "./journal/journalRecovery.js";
import type { QueueStats } from "./queue/queueRecords.js";
import type { MessageOutcome, StaleOutcome } from "./delivery/eventSourceMapping.js";
import type { StripeDelivery, StripeRefusal } from "./http/routes.js";
import type { ScheduledRunOutcome } from "./schedule/scheduledRuns.js";
import type { DevImageOptions } from "./pool/imageRunner.js";

export type { TypesChecked } from "./types/typeChecks.js";

export interface DevWorkerOptions {
  projectDir: string;
  /** Default: the port of LETSGO_LOCAL_QUEUE_URL (3002). 0 picks a free one. */
  port?: number;
  /** Default 127.0.0.1: never every interface unless asked. */
  host?: string;
  /**
   * Reload the handler when a file its code loaded changes (apps/worker/src, packages/types and any
   * other file outside node_modules), and re-read apps/worker/.env when it changes. Default true.
   */
  watch?: boolean;
  /** Fire the scheduled handler on LETSGO_WORKER_SCHEDULE. Default true; POST /schedule works either way. */
  schedule?: boolean;
  /** Settings from flags; they win over apps/worker/.env. */
  overrides?: Partial<Record<SettingKey, string | number | undefined>>;
  /** Journal compaction thresholds (tests make them small). */
  compactMinRecords?: number;
  /** Waits before retrying a failed scheduled run (default 1 s, 2 s: Lambda's two retries, sooner). */
  scheduledRetryDelaysMs?: number[];
  /** First wait before trying failing code again (default 1 s, doubling up to 30 s; a saved file retries at once). */
  loadRetryMs?: number;
  /** Stop a handler process idle this long, keeping one warm (default 60 s). */
  handlerIdleMs?: number;
  /**
   * Deliver as an SQS standard queue may: some handled messages once more, and
   * batches in no particular order, so handlers that are not idempotent or rely
   * on order fail locally first. Default off (dev delivers once, in order).
   */
  atLeastOnce?: boolean;
  /** With atLeastOnce: the share of handled first deliveries that come back (default AT_LEAST_ONCE_SHARE; tests set 1). */
  duplicateShare?: number;
  /** Give handlers the developer's AWS credentials (AWS_* variables, ~/.aws); default: none, as Lambda gives only the function's role. */
  awsCredentials?: boolean;
  /** Shell variables (names or PREFIX_* patterns) handlers also get (--pass-env); default none: the handler's environment is Lambda's. */
  passEnv?: readonly string[];
  /** Type-check the worker in the background after each build (default true; --no-typecheck). */
  typecheck?: boolean;
  /** Run the handler in containers of the image `build` makes (dev --image), through Lambda's Runtime API. */
  image?: DevImageOptions;
}

export type DevWorkerEvents = {
  ready: [{ url: string }];
  "message:handled": [MessageOutcome];
  /** `stack`: the error's stack (.ts lines), when the handler process reported one. */
  "message:failed": [MessageOutcome & { error: string; stack?: string; dead: boolean; nextAttemptAt?: string; deadLetterAt?: string }];
  /** A waiting message was made visible now (`letsgo-worker retry`, dev only): `attempt` is the one it comes back for. */
  "message:retried": [{ id: string; type: string; attempt: number }];
  /** Moved to the DLQ: after a failed last attempt, or on receive after an attempt that never reported. */
  "message:dead": [{ id: string; type: string; attempts: number; error: string; stack?: string }];
  /** An attempt ended after the visibility timeout, when the message had been received again or dead-lettered: its result was ignored. */
  "message:stale": [StaleOutcome];
  /** Moved back from the DLQ as a new message (`id`), as SQS's redrive does; `from`: its id in the DLQ. */
  "message:redriven": [{ from: string; id: string; type: string }];
  /** Handled, and delivered once more on purpose (--at-least-once), as a standard queue may. */
  "message:duplicated": [MessageOutcome];
  /** Dropped for its age, as SQS drops it: past LETSGO_WORKER_MESSAGE_RETENTION, or, in the DLQ, past the DLQ's retention (from the original send). */
  "message:expired": [{ id: string; type: string; ageSeconds: number; dead: boolean }];
  /** The user's code loaded: at start, and once after each reload (cold starts of more processes are not reported). */
  "handler:loaded": [{ loadMs: number; reloaded: boolean }];
  "handler:load-error": [{ error: string; retryInMs: number }];
  "handler:exit": [{ reason: string; inFlight: number }];
  /** @letsgo/types declares fields no JSON message can carry (a Date...): said at start and when the types change. */
  "types:warnings": [{ file: string; warnings: string[] }];
  /** `count` messages came in before the types were first read (a first start): accepted unchecked, their payloads checked by the runtime before the handler. */
  "types:unchecked-at-start": [{ count: number }];
  /** A background type check of the worker ended (after a build): its errors, or why it could not run. */
  "types:checked": [TypesChecked];
  /** A line a handler process printed; `requestId`: the invocation it printed it during (the attempt's requestId). */
  "handler:output": [{ line: string; stream: "stdout" | "stderr"; requestId?: string }];
  /** A scheduled run's attempt ended (on the schedule, or asked for with POST /schedule); `next` is the next fire time. */
  "schedule:ran": [ScheduledRunOutcome & { next: string | null }];
  /** A Stripe delivery was enqueued, or recognised as a duplicate. */
  "stripe:received": [StripeDelivery];
  /** A Stripe delivery was refused (a bad signature...) or could not be enqueued; `advice` says what to configure. */
  "stripe:refused": [StripeRefusal];
  /** The handler processes reload: files of its code changed ("source"), or its environment in apps/worker/.env ("settings"). */
  reload: [{ reason: "source" | "settings"; files: string[] }];
  /** apps/worker/.env changed: `applied` keys are in effect (names only); `needsRestart` ones take a restart of dev. */
  "settings:changed": [{ file: string; applied: string[]; needsRestart: string[] }];
  /** apps/worker/.env changed but does not read (a setting out of range...): dev keeps its last good settings. */
  "settings:invalid": [{ file: string; error: string }];
  /** Journal writes fail (disk full, read-only, I/O error): POST / answers 503 until they work again. */
  "journal:degraded": [Extract<JournalState, { ok: false }>];
  /** Journal writes work again: accepting resumed by itself. */
  "journal:resumed": [Extract<JournalState, { ok: true }>];
};

/** Whether and when the scheduled handler fires on its own. */
export interface DevSchedule {
  /** "on": fires on the schedule; "off": --no-schedule; "none": LETSGO_WORKER_SCHEDULE is empty. */
  state: "on" | "off" | "none";
  expression: string;
  timezone: string;
  /** The next fire time, null when it will not fire (again). */
  readonly next: Date | null;
}

export interface LambdaWorld {
  /** Handlers get the developer's AWS credentials (--aws-credentials). */
  awsCredentials: boolean;
  /** Shell variables handlers also get (--pass-env). */
  passEnv: readonly string[];
  /** Keys of apps/worker/.env that Lambda reserves, left out of the handler's environment as deploy leaves them out. */
  reservedEnvKeys: string[];
  /** --at-least-once: the share of handled messages delivered again, and batches shuffled; null when off. */
  atLeastOnce: { duplicateShare: number } | null;
  /** This machine's Node.js major version, and the deployed function's. */
  localNodeMajor: number;
  deployedNodeMajor: number;
  /** dev --image: handlers run in containers of the image (its own Node, OS and file system), not on this machine. */
  inImage: boolean;
}

export interface DevWorker extends EventEmitter<DevWorkerEvents> {
  readonly url: string;
  readonly port: number;
  readonly settings: Settings;
  /** The file the handler process loads: apps/worker/src/server.ts when it exists, else index.ts. */
  readonly entry: string;
  readonly schedule: DevSchedule;
  /** What the journal held at start. */
  readonly replay: ReplayResult & { messages: number };
  /** Lines of history.json that failed their checksum at start (left out), and where the file was copied. */
  readonly historyDamage?: { lines: number; setAside?: string };
  /** Processes an earlier dev of this project left running (killed with kill -9), ended at this start. */
  readonly leftoverProcesses: number;
  /** Values dev uses in place of the deployed ones (LETSGO_DEV_... in apps/worker/.env). */
  readonly devOnly: DevOnlyValue[];
  /** Why the settings are not what the project's files say (no apps/worker/.env), if so. */
  readonly settingsWarning?: string;
  /** A message of a type the project declares, for the banner's example. */
  readonly exampleMessage: { type: string; payload: unknown };
  /** What payloads are checked against: the message types whose interface @letsgo/types declares (kept current on reload). */
  readonly payloadTypes: { file: string; checked: string[]; warnings: string[] };
  /** How loading the user's code went, latest first. */
  readonly handler: { loaded: boolean; loadMs?: number; error?: string; image?: string };
  /** The latest background type check of the worker ({ state: "off" } with --no-typecheck). */
  types(): TypesState;
  /** Where the handler's world differs from Lambda's because of this machine or the user's choice (the banner says it). */
  readonly lambdaWorld: LambdaWorld;
  stats(): QueueStats;
  close(): Promise<void>;
}
