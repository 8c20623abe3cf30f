/**
 * `letsgo-worker dev`'s composition root: the queue (in this process, on
 * disk), the event source mapping, the pool of handler processes running the
 * user's worker (bundled as the image bundles it), the scheduler, the HTTP API
 * and dashboard, and the source watcher, wired together with one lifecycle.
 * Wiring only: the rules live in the parts and in services/.
 */
import { EventEmitter } from "node:events";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { EventOrigin } from "../events/origin.js";
import { DEPLOYED_NODE_MAJOR } from "../image/dockerfile.js";
import { functionRegion } from "../project/handlerEnvironment.js";
import { projectName } from "../project/identity.js";
import { workerPaths, type WorkerPaths } from "../project/paths.js";
import { settingMs, type Settings } from "../project/settings.js";
import { DLQ_RETENTION_SECONDS } from "../queue/constants.js";
import { EventSourceMapping, LAMBDA_PAYLOAD_LIMIT } from "./delivery/eventSourceMapping.js";
import { devEntry, exampleFitting, readDevStart, type DevStart } from "./devSettings.js";
import type { DevSchedule, DevWorker, DevWorkerEvents, DevWorkerOptions } from "./devWorkerTypes.js";
import { MessageHistory } from "./history/history.js";
import { fileQueuedMessages, recordHistory } from "./history/historyRecorder.js";
import { addDashboardRoutes } from "./http/dashboard.js";
import { listenWhileStarting, portOf } from "./http/listen.js";
import { ensureLocalStripeSecret, stripeWebhookSecret } from "./http/localStripeSecret.js";
import { requestGuard } from "./http/requestGuard.js";
import { buildRouter } from "./http/routes.js";
import { stateDirectoryError } from "./journal/diskErrors.js";
import { lockStateDir } from "./journal/lock.js";
import { Lifecycle } from "./lifecycle.js";
import { killTagged, projectTag } from "./pool/handlerDescendants.js";
import { handlerWorldEnv, reservedEnvKeys } from "./pool/handlerWorld.js";
import { HandlerInvoker } from "./pool/invoker.js";
import type { HandlerProcessOptions } from "./pool/handlerProcess.js";
import type { MessageQueue } from "./queue/messageQueue.js";
import { openQueueStore, type QueueStore } from "./queue/queueStore.js";
import { retrySettingsOf } from "./queue/retryTiming.js";
import { watchForReloads } from "./reload/reloadWatch.js";
import { WorkerCode } from "./reload/workerCode.js";
import { recordRunningWorker } from "./runningWorker.js";
import { armSchedule, type ScheduleTimer } from "./schedule/scheduleTimer.js";
import { scheduleView } from "./services/scheduleView.js";
import { ScheduledRuns } from "./schedule/scheduledRuns.js";
import { dashboardData } from "./services/dashboardData.js";
import { handlerLoadError, health } from "./services/health.js";
import { queueActions, type QueueActions } from "./services/queueActions.js";
import { retryingViews } from "./services/retrying.js";
import { applyRetention, deadEvent, reportDeliveries, reportHandler } from "./services/workerEvents.js";
import { typesChecked } from "./types/typeChecks.js";

export type { DevSchedule, DevWorker, DevWorkerEvents, DevWorkerOptions, LambdaWorld } from "./devWorkerTypes.js";

/** --at-least-once: the share of handled first deliveries that come back once more. */
export const AT_LEAST_ONCE_SHARE = 0.1;

export async function startDevWorker(options: DevWorkerOptions): Promise<DevWorker> {
  const paths = workerPaths(options.projectDir);
  const start = await readDevStart(options, paths);
  const life = new Lifecycle();
  try {
    await mkdir(paths.stateDir, { recursive: true });
    await writeFile(path.join(paths.stateDir, ".gitignore"), "*\n");
    return await assemble(options, start, paths, life);
  } catch (error) {
    await life.close().catch(() => {}); // the start's own error is the one to report
    throw stateDirectoryError(error, paths.stateDir); // a full or read-only state directory: exit 1 with what to do
  }
}

type Events = EventEmitter<DevWorkerEvents>;

/**
 * Start the parts in order, each registered with the lifecycle as it starts, so
 * closing (after a failed start or at shutdown) goes newest first: watcher,
 * schedule timer, HTTP intake, new batches and scheduled runs stop; the handler
 * processes get a short grace; running batches settle and their results reach
 * the journal; the journal is flushed; the lock is released.
 */
async function assemble(options: DevWorkerOptions, start: DevStart, paths: WorkerPaths, life: Lifecycle): Promise<DevWorker> {
  const { settings, extra } = start.loaded;
  const events: Events = new EventEmitter<DevWorkerEvents>();
  const lock = await lockStateDir(path.join(paths.stateDir, "dev.lock"));
  life.add("state lock", { close: () => lock.release() });
  // What an earlier dev of this project left running when it was killed (kill -9): its handlers' children.
  const leftoverProcesses = await killTagged(projectTag(paths.stateDir));
  const localStripeSecret = await ensureLocalStripeSecret(paths.stateDir);
  const stripeSecret = () => stripeWebhookSecret(settings, localStripeSecret); // settings change live
  let wakeMapping = () => {}; // set once the event source mapping exists; until then nothing needs waking
  const { store, history, historyDamage } = await openState(options, settings, paths, life, events, () => wakeMapping());
  const queue = store.queue;

  const host = options.host ?? "127.0.0.1";
  const http = await listenWhileStarting(options.port ?? portOf(settings.LETSGO_LOCAL_QUEUE_URL), host);
  life.add("HTTP server", { stop: () => void http.close(), close: () => http.close() });
  const { code, invoker, envFor, entry, runner } = await startHandlers(options, settings, extra, paths, http.url, life, events, () => flowing(queue));
  const handler = reportHandler(invoker, events, runner && (() => runner.image));

  // The region deploy would pick from this shell: event ARNs and the handler's AWS_REGION agree with it.
  const origin: EventOrigin = { deployment: settings.LETSGO_DEPLOYMENT, region: functionRegion(settings) };
  const scheduled = startSchedule(options, settings, start, origin, { invoker, handler, store }, life, events);
  const duplicateShare = options.atLeastOnce ? (options.duplicateShare ?? AT_LEAST_ONCE_SHARE) : 0;
  const mapping = new EventSourceMapping(queue, invoker, {
    batchSize: settings.LETSGO_WORKER_BATCH_SIZE,
    batchingWindowMs: settingMs(settings, "LETSGO_WORKER_BATCHING_WINDOW"),
    concurrency: settings.LETSGO_WORKER_CONCURRENCY,
    maxBatchBytes: LAMBDA_PAYLOAD_LIMIT,
    origin,
    memoryMb: settings.LETSGO_WORKER_MEMORY,
    duplicateShare,
  });
  life.add("event source mapping", { stop: () => mapping.stop(), close: () => mapping.drained() });
  wakeMapping = () => mapping.wake();
  reportDeliveries(mapping, queue, () => retrySettingsOf(settings), events);
  const retention = applyRetention(queue, events);
  life.add("retention timer", { stop: () => retention.stop() });

  const actions = queueActions({
    store,
    queue,
    history,
    delivery: mapping,
    events,
    maxMessageSize: () => settings.LETSGO_WORKER_MAX_MESSAGE_SIZE,
    payloadSchemas: () => code.payloadSchemas,
  });
  const router = serveApi({ settings, paths, start, store, history, code, invoker, handler, mapping, actions, scheduled: scheduled.runs, url: http.url, host, stripeSecret }, life, events);
  // The record first: once /health answers 200, this project's commands find this worker.
  const forget = await recordRunningWorker(paths.stateDir, { url: http.url, pid: process.pid, root: paths.root, deployment: settings.LETSGO_DEPLOYMENT, startedAt: new Date().toISOString() });
  life.add("running-worker record", { close: forget });
  http.serve(router.listener);

  await invoker.start();
  mapping.start();
  scheduled.arm();
  if (options.watch !== false) {
    // The settings object is updated in place with what applies live (the Stripe route reads it).
    const watcher = watchForReloads({ options, paths, settings, extra, invoker, emitter: events, handlerEnv: envFor });
    life.add("source and settings watchers", { stop: () => watcher.close() });
    await watcher.ready;
  }

  const worker = Object.assign(events, {
    url: http.url,
    port: http.port,
    settings,
    entry,
    schedule: scheduled.view,
    replay: store.replay,
    leftoverProcesses,
    ...(historyDamage ? { historyDamage } : {}),
    settingsWarning: start.settingsWarning,
    devOnly: start.loaded.devOnly,
    payloadTypes: code.payloadTypes,
    // The handler has loaded by now, so the types have been read: the example fits them.
    exampleMessage: exampleFitting(start.exampleMessage, code.payloadSchemas),
    handler,
    types: () => code.types,
    lambdaWorld: {
      awsCredentials: options.awsCredentials === true,
      passEnv: options.passEnv ?? [],
      atLeastOnce: options.atLeastOnce ? { duplicateShare } : null,
      reservedEnvKeys: reservedEnvKeys(extra),
      localNodeMajor: Number(process.versions.node.split(".")[0]),
      deployedNodeMajor: DEPLOYED_NODE_MAJOR,
      inImage: runner !== undefined,
    },
    stats: () => queue.stats(Date.now()),
    close: () => life.close(),
  });
  // After the caller has its listeners on (the console): runs due before now, and what expired while dev was stopped.
  setImmediate(() => {
    events.emit("ready", { url: http.url });
    scheduled.ready();
    for (const expired of retention.expiredWhileStopped) events.emit("message:expired", expired);
  });
  return worker;
}

interface ApiParts {
  settings: Settings;
  paths: WorkerPaths;
  start: DevStart;
  store: QueueStore;
  history: MessageHistory;
  code: WorkerCode;
  invoker: HandlerInvoker;
  handler: DevWorker["handler"];
  mapping: EventSourceMapping;
  actions: QueueActions;
  scheduled: ScheduledRuns;
  url: string;
  host: string;
  stripeSecret(): string;
}

/** The HTTP API (messages, /dlq, POST /schedule, POST /stripe, /health) and the dashboard's routes, on one router behind one guard. */
function serveApi(parts: ApiParts, life: Lifecycle, events: Events) {
  const { settings, paths, start, store, history, code, invoker, handler, mapping, actions, stripeSecret } = parts;
  const queue = store.queue;
  const retrying = () => retryingViews(queue, (id) => mapping.isRunning(id), retrySettingsOf(settings));
  const identity = { name: projectName(paths.root), root: paths.root, url: parts.url };
  const router = buildRouter(
    {
      identity,
      maxMessageSize: settings.LETSGO_WORKER_MAX_MESSAGE_SIZE,
      payloadSchemas: () => code.intakeSchemas(),
      enqueue: actions.send,
      enqueueOnce: actions.sendOnce,
      stripeSecret,
      stripeReceived: (delivery) => events.emit("stripe:received", delivery),
      stripeRefused: (refusal) => events.emit("stripe:refused", refusal),
      runScheduled: () => parts.scheduled.runNow(),
      stats: () => queue.stats(Date.now()),
      listDead: () => queue.listDead(),
      redrive: actions.redrive,
      purge: actions.purge,
      retrying,
      retryNow: actions.retryNow,
      health: () =>
        health({ journal: () => store.journalState, invoker, handler, project: { name: identity.name, root: paths.root, deployment: () => settings.LETSGO_DEPLOYMENT } }),
    },
    requestGuard(parts.host),
  );
  const dashboard = addDashboardRoutes(
    router,
    dashboardData({
      history,
      queue,
      journal: () => store.journalState,
      processes: () => invoker.processes(),
      settings,
      handler,
      types: () => code.types,
      retrying,
      paths,
      payloadSchemas: () => code.payloadSchemas,
      schedule: (runs) => scheduleView(start.scheduleSetting, start.schedule, runs),
      actions,
      deliverStripe: (payload, signature) => router.deliverStripe(payload, signature),
      stripeSecret,
      events,
    }),
  );
  life.add("dashboard live updates", { stop: () => dashboard.close() });
  return router;
}

/** Messages waiting or being handled now: the background type check waits for a quiet moment. */
function flowing(queue: Pick<MessageQueue, "stats">): boolean {
  const stats = queue.stats(Date.now());
  return stats.visible + stats.inFlight > 0;
}

/** The journal-backed queue and every message's story (the history closes after the queue's last outcomes are in). */
async function openState(options: DevWorkerOptions, settings: Settings, paths: WorkerPaths, life: Lifecycle, events: Events, onEnqueued: () => void) {
  const store = await openQueueStore({
    stateDir: paths.stateDir,
    visibilityTimeoutMs: settingMs(settings, "LETSGO_WORKER_VISIBILITY_TIMEOUT"),
    retentionMs: settingMs(settings, "LETSGO_WORKER_MESSAGE_RETENTION"),
    deadRetentionMs: DLQ_RETENTION_SECONDS * 1000,
    ...(options.atLeastOnce ? { shuffle: Math.random } : {}),
    maxReceiveCount: settings.LETSGO_WORKER_MAX_RECEIVE_COUNT,
    compactMinRecords: options.compactMinRecords,
    onEnqueued,
    onJournalState: (state) => (state.ok ? events.emit("journal:resumed", state) : events.emit("journal:degraded", state)),
  });
  life.add("journal", { close: () => store.close() });
  const history = new MessageHistory({ file: path.join(paths.stateDir, "history.json") });
  const historyDamage = await history.load();
  fileQueuedMessages(history, store.queue.all());
  recordHistory(events, history, store.queue);
  life.add("message history", { close: () => history.close() });
  return { store, history, historyDamage };
}

/** The user's code (built, its types checked) and the processes that run it, in a task root as a function runs in /var/task; with --image, containers of the image built from it. */
async function startHandlers(options: DevWorkerOptions, settings: Settings, extra: Record<string, string>, paths: WorkerPaths, url: string, life: Lifecycle, events: Events, busy: () => boolean) {
  // Loaded only for --image: the image build (dockerode, the engine) weighs nothing on a plain dev.
  const runner = options.image ? await (await import("./pool/imageRunner.js")).imageRunner(settings, paths, options.image) : undefined;
  const entry = devEntry(paths);
  const taskRoot = path.join(paths.stateDir, "bundle");
  const code = new WorkerCode({
    paths,
    entry,
    outDir: taskRoot,
    typecheck: options.typecheck !== false,
    onWarnings: (warnings) => events.emit("types:warnings", { file: paths.typesIndex, warnings }),
    onUncheckedAtStart: (count) => events.emit("types:unchecked-at-start", { count }),
    onTypesChecked: (state) => events.emit("types:checked", typesChecked(state)),
    busy,
  });
  life.add("type checks", { stop: () => code.close() });
  // The handler processes' environment for the user's own variables (at start, and after .env changes).
  const envFor = (own: Record<string, string>) =>
    handlerWorldEnv(settings, own, { url, taskRoot: runner ? "/var/task" : taskRoot, inImage: Boolean(runner), awsCredentials: options.awsCredentials, passEnv: options.passEnv ?? [] });
  const ownerTag = `${projectTag(paths.stateDir)}/${process.pid}`;
  const graceMs = Math.min(3_000, settingMs(settings, "LETSGO_WORKER_FUNCTION_TIMEOUT"));
  const invoker = new HandlerInvoker({
    entry,
    build: runner ? runner.build(() => code.build()) : () => code.build(),
    ...(runner ? { createProcess: (processOptions: HandlerProcessOptions) => runner.createProcess(processOptions) } : {}),
    cwd: taskRoot,
    env: envFor(extra),
    ownerTag,
    memoryMb: settings.LETSGO_WORKER_MEMORY,
    functionTimeoutMs: settingMs(settings, "LETSGO_WORKER_FUNCTION_TIMEOUT"),
    loadRetryMs: options.loadRetryMs,
    idleMs: options.handlerIdleMs,
    onOutput: (line, stream, requestId) => events.emit("handler:output", requestId === undefined ? { line, stream } : { line, stream, requestId }),
  });
  life.add("handler processes", {
    stop: () => invoker.stop(graceMs),
    // Then whatever their children started that left their process groups.
    close: async () => {
      await invoker.close(graceMs);
      await killTagged(ownerTag);
    },
  });
  return { code, invoker, envFor, entry, runner };
}

/** Scheduled runs (on the timer, and POST /schedule), retried and dead-lettered as Lambda's async invocation does. */
function startSchedule(
  options: DevWorkerOptions,
  settings: Settings,
  start: DevStart,
  origin: EventOrigin,
  parts: { invoker: HandlerInvoker; handler: DevWorker["handler"]; store: Pick<QueueStore, "deadLetter"> },
  life: Lifecycle,
  events: Events,
) {
  let timer: ScheduleTimer | undefined;
  const runs = new ScheduledRuns({
    context: {
      invoker: { invoke: (message) => parts.invoker.invoke(message) },
      origin,
      memoryMb: settings.LETSGO_WORKER_MEMORY,
      unavailable: () => (parts.invoker.available ? undefined : `handler failed to load: ${handlerLoadError(parts.handler)}`),
    },
    retryDelaysMs: options.scheduledRetryDelaysMs,
    async deadLetter(message, attempts, error, firstAttemptAt, stack) {
      const id = await parts.store.deadLetter(message, attempts, error, firstAttemptAt, stack);
      events.emit("message:dead", deadEvent(id, message.type, attempts, error, stack));
      return id;
    },
    onRan: (outcome) => events.emit("schedule:ran", { ...outcome, next: timer?.next?.toISOString() ?? null }),
  });
  life.add("scheduled runs", { stop: () => runs.stop(), close: () => runs.close() });
  // A run due before "ready" (a rate() schedule's first, at once) waits for it: the caller listens by then, so its outcome is seen.
  let dueBeforeReady: Date[] | null = [];
  const view: DevSchedule = {
    ...start.scheduleSetting,
    get next() {
      return timer?.next ?? null;
    },
  };
  return {
    runs,
    view,
    arm() {
      if (!start.schedule) return;
      const fire = (due: Date) => (dueBeforeReady ? dueBeforeReady.push(due) : void runs.fire(due));
      // Fires strictly after `from`: a millisecond before the start, so a rate() schedule's first run (at the start, as Scheduler's) is due.
      const armed = armSchedule(start.schedule.schedule, fire, { from: new Date(start.schedule.from.getTime() - 1) });
      timer = armed;
      life.add("schedule timer", { stop: () => armed.close() });
    },
    ready() {
      const due = dueBeforeReady ?? [];
      dueBeforeReady = null;
      for (const at of due) void runs.fire(at);
    },
  };
}
