/**
 * `letsgo-worker dev`: the queue (in this process, on disk), the event source
 * mapping, the pool of handler processes running the user's worker (bundled as
 * the image bundles it), the scheduler, the HTTP API (messages, POST /schedule, POST /stripe) and
 * the source watcher, wired together with one lifecycle.
 */
import { EventEmitter } from "node:events";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer, type RequestListener } from "node:http";
import path from "node:path";
import { ProjectError, SettingsError } from "../errors.js";
import type { EventOrigin } from "../events/origin.js";
import { functionRegion } from "../project/handlerEnvironment.js";
import { projectName } from "../project/identity.js";
import { DEPLOYED_NODE_MAJOR } from "../image/dockerfile.js";
import { checkSettingRules } from "../project/settingRules.js";
import { DLQ_RETENTION_SECONDS } from "../queue/constants.js";

import { workerPaths, type WorkerPaths } from "../project/paths.js";
import { devShownSettings, loadSettings, settingMs, type LoadedSettings, type Settings } from "../project/settings.js";
import { parseScheduleSetting, ScheduleError, type Schedule } from "../schedule/index.js";
import { DevBundler } from "./reload/bundler.js";
import { handlerWorldEnv, reservedEnvKeys } from "./pool/handlerWorld.js";
import { BackgroundTypeChecks, type TypesState } from "./types/typeChecks.js";
import { PayloadSchemaSource } from "./types/payloadSchemaSource.js";
import { payloadSkeleton } from "../project/payloadSkeleton.js";
import type { PayloadSchemas } from "../runtime/payloadShape.js";
import { HandlerInvoker } from "./pool/invoker.js";
import { stateDirectoryError } from "./journal/diskErrors.js";
import type { JournalState } from "./journal/journal.js";
import { closeServer, listen, portOf, urlHost } from "./http/listen.js";
import { loadErrorSummary } from "./pool/loadError.js";
import { Lifecycle } from "./lifecycle.js";
import { lockStateDir } from "./journal/lock.js";
import { recordRunningWorker } from "./runningWorker.js";
import { ensureLocalStripeSecret, stripeWebhookSecret } from "./http/localStripeSecret.js";
import { scanEnum } from "../project/scan.js";
import { isReservedMessageType, ReservedMessageType } from "../runtime/messageTypes.js";
import { missingEnvFileWarning, readSettingsSource } from "../project/settingsSource.js";
import { EventSourceMapping, LAMBDA_PAYLOAD_LIMIT } from "./delivery/eventSourceMapping.js";
import type { MessageQueue, NewMessage, QueueMessage } from "./queue/messageQueue.js";
import { retrySettingsOf, retryTiming, type RetrySettings } from "./queue/retryTiming.js";
import { buildRouter, type RetryingView } from "./http/routes.js";
import { addDashboardRoutes } from "./http/dashboard.js";
import { MessageHistory, type HistorySource } from "./history/history.js";
import { replayedMessage } from "./history/replay.js";
import { sendableTypes } from "./http/sendableTypes.js";
import { scheduleView } from "./schedule/scheduleView.js";
import { fileQueuedMessages, recordHistory } from "./history/historyRecorder.js";
import { killTagged, projectTag } from "./pool/handlerDescendants.js";
import type { ScheduledRunOutcome } from "./schedule/scheduledRuns.js";
import { STRIPE_EVENT_TYPES, type StripeEventType } from "../project/stripeEvents.js";
import { signStripePayload } from "../runtime/stripeWebhook.js";
import { buildStripeTestEvent } from "../stripe/testEvents.js";
import { requestGuard } from "./http/requestGuard.js";
import { ScheduledRuns } from "./schedule/scheduledRuns.js";
import { armSchedule, type ScheduleTimer } from "./schedule/scheduleTimer.js";
import { openQueueStore } from "./queue/queueStore.js";
import { watchForReloads } from "./reload/reloadWatch.js";
import type { DevSchedule, DevWorker, DevWorkerEvents, DevWorkerOptions, TypesChecked } from "./devWorkerTypes.js";

export type { DevSchedule, DevWorker, DevWorkerEvents, DevWorkerOptions, LambdaWorld } from "./devWorkerTypes.js";

/** --at-least-once: the share of handled first deliveries that come back once more. */
export const AT_LEAST_ONCE_SHARE = 0.1;

/** How often messages past their retention are looked for (the shortest retention SQS allows is 60 s). */
const EXPIRY_CHECK_MS = 10_000;

/**
 * Dev-only values (LETSGO_DEV_...) must still make a worker that works: the
 * rules' refusals apply to them; AWS's advice (the warnings) is about AWS, so
 * the deployed values answer for it.
 */
function checkDevOnlyRules(loaded: LoadedSettings): void {
  if (loaded.devOnly.length === 0) return;
  try {
    checkSettingRules(loaded.settings);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    const values = loaded.devOnly.map((d) => `${d.devKey}=${d.value}`).join(", ");
    throw new SettingsError(`In dev, with ${values} from ${loaded.envFile}: ${error.message}`);
  }
}

/** server.ts is the local entry (it re-exports index.ts's handler, plus local-only setup); index.ts otherwise. */
export function devEntry(paths: WorkerPaths): string {
  const server = path.join(paths.src, "server.ts");
  return existsSync(server) ? server : paths.entry;
}

export async function startDevWorker(options: DevWorkerOptions): Promise<DevWorker> {
  const paths = workerPaths(options.projectDir);
  if (!existsSync(paths.entry)) {
    throw new ProjectError(`${paths.entry} not found: \`dev\` runs the worker's Lambda entry. Run \`letsgo-worker init\` first, or pass --cwd.`);
  }
  const loaded = await loadSettings(options.projectDir, options.overrides, process.env, { dev: true });
  const { settings, extra, envFile } = loaded;
  // A missing .env (it is gitignored: a fresh clone lacks it) is said plainly, not assumed.
  // What deploy would refuse, dev refuses, with the same message; what it would warn about, the banner says.
  const ruleWarnings = checkSettingRules(loaded.deployed);
  checkDevOnlyRules(loaded);
  const settingsWarning = [missingEnvFileWarning(await readSettingsSource(options.projectDir, loaded), loaded, settings.LETSGO_WORKER_REGION), ...ruleWarnings]
    .filter(Boolean)
    .join("\n") || undefined;
  // Checked before anything starts: a schedule AWS would reject is a settings error here too.
  const startedAt = new Date();
  const schedule = options.schedule === false ? null : parseSchedule(settings, envFile, startedAt);
  const life = new Lifecycle();
  try {
    await mkdir(paths.stateDir, { recursive: true });
    await writeFile(path.join(paths.stateDir, ".gitignore"), "*\n");
    const shown = { settingsWarning, devOnly: loaded.devOnly, exampleMessage: await exampleMessage(paths.typesIndex) };
    return await assemble(options, settings, extra, paths, life, schedule && { schedule, from: startedAt }, shown);
  } catch (error) {
    await life.close().catch(() => {}); // the start's own error is the one to report
    throw stateDirectoryError(error, paths.stateDir); // a full or read-only state directory: exit 1 with what to do
  }
}

/**
 * The first type of the project's own (else a contact form), for the banner's
 * example; its payload is filled in from the type's interface once that is read.
 */
async function exampleMessage(typesIndex: string): Promise<{ type: string; payload: unknown }> {
  const source = await readFile(typesIndex, "utf8").catch(() => "");
  const own = scanEnum(source, "MessageType")?.find((member) => !isReservedMessageType(member.value));
  return own ? { type: own.value, payload: {} } : { type: ReservedMessageType.Contact, payload: { email: "you@example.com", message: "Hello" } };
}

function exampleFitting(example: { type: string; payload: unknown }, schemas: PayloadSchemas | undefined): { type: string; payload: unknown } {
  return schemas && Object.hasOwn(schemas.messages, example.type) ? { type: example.type, payload: payloadSkeleton(schemas, example.type) } : example;
}

/** LETSGO_WORKER_SCHEDULE as EventBridge Scheduler would read it (null: empty, disabled); rate() counts from `start`. */
function parseSchedule(settings: Settings, envFile: string, start: Date): Schedule | null {
  try {
    return parseScheduleSetting(settings.LETSGO_WORKER_SCHEDULE, settings.LETSGO_WORKER_SCHEDULE_TIMEZONE, { start });
  } catch (error) {
    if (!(error instanceof ScheduleError)) throw error;
    throw new ScheduleError(`${envFile}: ${error.message} Fix it, or run dev with --no-schedule.`, { cause: error });
  }
}

/**
 * Start the parts in order, each registered with the lifecycle as it starts, so
 * closing (after a failed start or at shutdown) goes newest first: watcher,
 * schedule timer, HTTP intake, new batches and scheduled runs stop; the handler
 * processes get a short grace; running batches settle and their results reach
 * the journal; the journal is flushed; the lock is released.
 */
async function assemble(
  options: DevWorkerOptions,
  settings: Settings,
  extra: Record<string, string>,
  paths: WorkerPaths,
  life: Lifecycle,
  schedule: { schedule: Schedule; from: Date } | null,
  shown: Pick<DevWorker, "settingsWarning" | "devOnly" | "exampleMessage">,
): Promise<DevWorker> {
  const emitter = new EventEmitter<DevWorkerEvents>();
  const lock = await lockStateDir(path.join(paths.stateDir, "dev.lock"));
  life.add("state lock", { close: () => lock.release() });
  // What an earlier dev of this project left running when it was killed (kill -9): its handlers' children.
  const ownerTag = `${projectTag(paths.stateDir)}/${process.pid}`;
  const leftoverProcesses = await killTagged(projectTag(paths.stateDir));
  const localStripeSecret = await ensureLocalStripeSecret(paths.stateDir);
  // Whether and on what the schedule fires: the banner's, --json's and the dashboard's one view of it.
  const scheduleSetting = {
    state: (options.schedule === false ? "off" : schedule ? "on" : "none") as DevSchedule["state"],
    expression: settings.LETSGO_WORKER_SCHEDULE,
    timezone: settings.LETSGO_WORKER_SCHEDULE_TIMEZONE,
  };
  // Reading the types may load the TypeScript checker (~1 s when they changed): under way while the rest starts.
  const payloadSchemaSource = new PayloadSchemaSource(paths.typesIndex, path.join(paths.stateDir, "payload-schemas.json"));
  payloadSchemaSource.prefetch();

  // Set once the event source mapping exists; until then nothing needs waking.
  let wakeMapping = () => {};
  const store = await openQueueStore({
    stateDir: paths.stateDir,
    visibilityTimeoutMs: settingMs(settings, "LETSGO_WORKER_VISIBILITY_TIMEOUT"),
    retentionMs: settingMs(settings, "LETSGO_WORKER_MESSAGE_RETENTION"),
    deadRetentionMs: DLQ_RETENTION_SECONDS * 1000,
    ...(options.atLeastOnce ? { shuffle: Math.random } : {}),
    maxReceiveCount: settings.LETSGO_WORKER_MAX_RECEIVE_COUNT,
    compactMinRecords: options.compactMinRecords,
    onEnqueued: () => wakeMapping(),
    onJournalState: (state) => (state.ok ? emitter.emit("journal:resumed", state) : emitter.emit("journal:degraded", state)),
  });
  life.add("journal", { close: () => store.close() });
  const queue = store.queue;
  // Every message's story, for the dashboard; closed after the queue's last outcomes are in.
  const history = new MessageHistory({ file: path.join(paths.stateDir, "history.json") });
  const historyDamage = await history.load();
  fileQueuedMessages(history, queue.all());
  recordHistory(emitter, history, queue);
  life.add("message history", { close: () => history.close() });

  const entry = devEntry(paths);
  // --at-least-once: the share of handled messages delivered once more (batches are shuffled too, by the queue).
  const duplicateShare = options.atLeastOnce ? (options.duplicateShare ?? AT_LEAST_ONCE_SHARE) : 0;
  const handler: DevWorker["handler"] = { loaded: false };
  const host = options.host ?? "127.0.0.1";
  // The handler processes need the URL (they enqueue follow-ups to it), so the server
  // listens first and answers 503 (senders retry) until every part is up.
  let route: RequestListener = (_req, res) => {
    res.writeHead(503, { "content-type": "application/json", "retry-after": "1" }).end(JSON.stringify({ error: "The dev worker is starting; try again in a moment." }));
  };
  const server = createServer({ keepAlive: true, keepAliveTimeout: 30_000 }, (req, res) => route(req, res));
  const port = await listen(server, options.port ?? portOf(settings.LETSGO_LOCAL_QUEUE_URL), host);
  const url = `http://${urlHost(host)}:${port}`;
  // The handler processes run in a task root holding their bundle, as a function runs in /var/task.
  const taskRoot = path.join(paths.stateDir, "bundle");
  // The handler processes' environment for the user's own variables (at start, and after .env changes).
  const envFor = (own: Record<string, string>) =>
    handlerWorldEnv(settings, own, { url, taskRoot, awsCredentials: options.awsCredentials, passEnv: options.passEnv ?? [] });
  let serverClosed: Promise<void> | undefined;
  life.add("HTTP server", { stop: () => void (serverClosed = closeServer(server)), close: () => serverClosed });

  const graceMs = Math.min(3_000, settingMs(settings, "LETSGO_WORKER_FUNCTION_TIMEOUT"));
  const bundler = new DevBundler({
    root: paths.root,
    entry,
    typesIndex: paths.typesIndex,
    workerPackageJson: paths.workerPackageJson,
    outDir: taskRoot,
    payloadSchemas: payloadSchemaSource,
  });
  // What POST / checks payloads against: the shapes of the code that runs. Requests
  // that come before the first build (senders retried through the 503) wait for it.
  let payloadSchemas: PayloadSchemas | undefined;
  const payloadTypes: DevWorker["payloadTypes"] = { file: paths.typesIndex, checked: [], warnings: [] };
  let firstBuilt!: () => void;
  const firstBuild = new Promise<void>((resolve) => (firstBuilt = resolve));
  const typeChecks = new BackgroundTypeChecks(paths.root, options.typecheck !== false, (state) => emitter.emit("types:checked", typesChecked(state)));
  life.add("type checks", { stop: () => typeChecks.close() });
  const build = async () => {
    const result = await bundler.build().finally(firstBuilt);
    if (result.ok) {
      typeChecks.request();
      payloadSchemas = result.payloadSchemas.schemas;
      payloadTypes.checked = Object.keys(payloadSchemas.messages);
      const { warnings } = result.payloadSchemas;
      // The banner says the first ones; later ones are said when they change, not on every reload.
      const changed = warnings.join("\n") !== payloadTypes.warnings.join("\n");
      payloadTypes.warnings = warnings;
      if (changed && warnings.length > 0) emitter.emit("types:warnings", { file: paths.typesIndex, warnings });
    }
    return result;
  };
  const invoker = new HandlerInvoker({
    entry,
    build,
    cwd: taskRoot,
    env: envFor(extra),
    ownerTag,
    memoryMb: settings.LETSGO_WORKER_MEMORY,
    functionTimeoutMs: settingMs(settings, "LETSGO_WORKER_FUNCTION_TIMEOUT"),
    loadRetryMs: options.loadRetryMs,
    idleMs: options.handlerIdleMs,
    onOutput: (line, stream, requestId) => emitter.emit("handler:output", requestId === undefined ? { line, stream } : { line, stream, requestId }),
  });
  life.add("handler processes", {
    stop: () => invoker.stop(graceMs),
    // Then whatever their children started that left their process groups.
    close: async () => {
      await invoker.close(graceMs);
      await killTagged(ownerTag);
    },
  });
  invoker.on("loaded", (info) => {
    Object.assign(handler, { loaded: true, loadMs: info.loadMs, error: undefined });
    emitter.emit("handler:loaded", info);
  });
  invoker.on("load-error", (info) => {
    Object.assign(handler, { loaded: false, error: info.error });
    emitter.emit("handler:load-error", info);
  });
  invoker.on("process-exit", (info) => emitter.emit("handler:exit", info));

  // The region deploy would pick from this shell: event ARNs and the handler's AWS_REGION agree with it.
  const origin: EventOrigin = { deployment: settings.LETSGO_DEPLOYMENT, region: functionRegion(settings) };
  let timer: ScheduleTimer | undefined;
  const scheduledRuns = new ScheduledRuns({
    context: {
      invoker: { invoke: (message) => invoker.invoke(message) },
      origin,
      memoryMb: settings.LETSGO_WORKER_MEMORY,
      unavailable: () => (invoker.available ? undefined : `handler failed to load: ${loadErrorSummary(handler.error ?? "", 1)[0] ?? "see the dev log"}`),
    },
    retryDelaysMs: options.scheduledRetryDelaysMs,
    async deadLetter(message, attempts, error, firstAttemptAt, stack) {
      const id = await store.deadLetter(message, attempts, error, firstAttemptAt, stack);
      emitter.emit("message:dead", deadEvent(id, message.type, attempts, error, stack));
      return id;
    },
    onRan: (outcome) => emitter.emit("schedule:ran", { ...outcome, next: timer?.next?.toISOString() ?? null }),
  });
  life.add("scheduled runs", { stop: () => scheduledRuns.stop(), close: () => scheduledRuns.close() });

  // Read at each use: .env changes apply live.
  const retrySettings = () => retrySettingsOf(settings);
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
  mapping.on("handled", (outcome) => emitter.emit("message:handled", outcome));
  mapping.on("failed", (outcome) => {
    // When it is tried again, and when it would be in the DLQ if it keeps failing (with these settings).
    const message = outcome.dead ? undefined : queue.get(outcome.id);
    const timing = message && retryTiming(message, retrySettings());
    emitter.emit("message:failed", timing ? { ...outcome, nextAttemptAt: new Date(timing.nextAttemptAt).toISOString(), deadLetterAt: new Date(timing.deadLetterAt).toISOString() } : outcome);
    if (outcome.dead) {
      emitter.emit("message:dead", deadEvent(outcome.id, outcome.type, outcome.attempt, outcome.error, outcome.stack));
    }
  });
  mapping.on("dead", ({ message, attempts }) => emitter.emit("message:dead", deadEvent(message.id, message.type, attempts, message.lastError ?? "no result", message.lastErrorStack)));
  mapping.on("expired", ({ message, now }) => emitter.emit("message:expired", expiredInfo(message, now)));
  mapping.on("stale", (outcome) => emitter.emit("message:stale", outcome));
  mapping.on("duplicated", (outcome) => emitter.emit("message:duplicated", outcome));

  // Retention, as SQS applies it: before the first receive (messages may have aged while dev was stopped;
  // said once the caller listens, at "ready"), then every EXPIRY_CHECK_MS.
  const expire = () => {
    const now = Date.now();
    return queue.expire(now).map((m) => expiredInfo(m, now));
  };
  const expiredWhileStopped = expire();
  const expiryTimer = setInterval(() => {
    for (const expired of expire()) emitter.emit("message:expired", expired);
  }, EXPIRY_CHECK_MS).unref();
  life.add("retention timer", { stop: () => clearInterval(expiryTimer) });

  const fileAccepted = (messages: NewMessage[], ids: string[], source: HistorySource, from?: string) => {
    messages.forEach((message, i) => {
      const stored = queue.get(ids[i]!);
      history.accepted({ id: ids[i]!, type: message.type, body: message.body, ...(message.attributes ? { attributes: message.attributes } : {}), sentAt: stored?.sentAt ?? Date.now() }, source, from);
    });
  };
  let restarts = 0;
  emitter.on("handler:exit", () => restarts++);
  const scheduleRuns: Array<ScheduledRunOutcome & { at: string }> = [];
  emitter.on("schedule:ran", (run) => {
    scheduleRuns.unshift({ ...run, at: new Date().toISOString() });
    scheduleRuns.length = Math.min(scheduleRuns.length, 20);
  });
  const identity = { name: projectName(paths.root), root: paths.root, url };
  const router = buildRouter(
    {
      identity,
      maxMessageSize: settings.LETSGO_WORKER_MAX_MESSAGE_SIZE,
      payloadSchemas: async () => {
        if (!payloadSchemas) await firstBuild;
        return payloadSchemas;
      },
      enqueue: async (messages, delaySeconds) => {
        const ids = await store.enqueue(messages, delaySeconds);
        fileAccepted(messages, ids, "send");
        return ids;
      },
      async enqueueOnce(message, key) {
        const result = await store.enqueueOnce(message, key);
        if (!result.duplicate) fileAccepted([message], [result.messageId], "stripe");
        return result;
      },
      // Kept current by the settings watcher; without one, the project's local secret (stripe trigger signs with it).
      stripeSecret: () => stripeWebhookSecret(settings, localStripeSecret),
      stripeReceived: (delivery) => emitter.emit("stripe:received", delivery),
      stripeRefused: (refusal) => emitter.emit("stripe:refused", refusal),
      runScheduled: () => scheduledRuns.runNow(),
      stats: () => queue.stats(Date.now()),
      listDead: () => queue.listDead(),
      async redrive(ids) {
        const moved = await store.redrive(ids);
        if (moved.length > 0) mapping.wake();
        for (const { from, messageId } of moved) emitter.emit("message:redriven", { from, id: messageId, type: queue.get(messageId)?.type ?? "" });
        return moved;
      },
      purge: () => store.purge(),
      retrying: () => retryingViews(queue, mapping, retrySettings()),
      async retryNow(id) {
        if (mapping.isRunning(id)) return { ok: false, running: true };
        const retried = await store.retryNow(id);
        if (!retried) return { ok: false, running: false };
        const message = queue.get(id);
        emitter.emit("message:retried", { id, type: message?.type ?? "", attempt: (message?.receiveCount ?? 0) + 1 });
        mapping.wake();
        return { ok: true };
      },
      health: () => ({
        ...journalHealth(store.journalState),
        handler: handlerHealth(invoker, handler),
        handlerProcesses: invoker.processCount,
        pid: process.pid,
        // Clients of a project check they reached that project's worker.
        project: { name: identity.name, root: paths.root, deployment: settings.LETSGO_DEPLOYMENT },
      }),
    },
    requestGuard(host),
  );
  const dashboard = addDashboardRoutes(router, {
    history,
    journal: () => store.journalState,
    stats: () => queue.stats(Date.now()),
    counters: () => queue.counters,
    processes: () => invoker.processes(),
    restarts: () => restarts,
    settings: () => devShownSettings(settings),
    handler: () => handler,
    types: () => typeChecks.state,
    retryOf: (id) => retryingViews(queue, mapping, retrySettings()).find((view) => view.messageId === id),
    messageTypes: () => sendableTypes(paths, payloadSchemas),
    schedule: () => scheduleView(scheduleSetting, schedule, scheduleRuns),
    stripeEventTypes: STRIPE_EVENT_TYPES,
    async replay(id, payload) {
      const original = history.get(id)!;
      const checked = replayedMessage(
        { original, verifiedDigest: (key) => store.digestOf(key), maxMessageSize: settings.LETSGO_WORKER_MAX_MESSAGE_SIZE, payloadSchemas },
        payload,
      );
      const ids = await store.enqueue([checked], 0);
      fileAccepted([checked], ids, "replay", original.id);
      return { messageId: ids[0]! };
    },
    async triggerStripe(type) {
      const event = buildStripeTestEvent(type as StripeEventType);
      const payload = JSON.stringify(event, null, 2);
      const signature = signStripePayload(payload, stripeWebhookSecret(settings, localStripeSecret));
      return router.deliverStripe(payload, signature);
    },
  });
  life.add("dashboard live updates", { stop: () => dashboard.close() });
  // The record first: once /health answers 200, this project's commands find this worker.
  const forget = await recordRunningWorker(paths.stateDir, {
    url,
    pid: process.pid,
    root: paths.root,
    deployment: settings.LETSGO_DEPLOYMENT,
    startedAt: new Date().toISOString(),
  });
  life.add("running-worker record", { close: forget });
  route = router.listener;

  await invoker.start();
  mapping.start();
  // A run due before "ready" (a rate() schedule's first, at once) waits for it: the caller listens by then, so its outcome is seen.
  let dueBeforeReady: Date[] | null = [];
  const fire = (due: Date) => (dueBeforeReady ? dueBeforeReady.push(due) : void scheduledRuns.fire(due));
  if (schedule) {
    // Fires strictly after `from`: a millisecond before the start, so a rate() schedule's first run (at the start, as Scheduler's) is due.
    const armed = armSchedule(schedule.schedule, fire, { from: new Date(schedule.from.getTime() - 1) });
    timer = armed;
    life.add("schedule timer", { stop: () => armed.close() });
  }
  if (options.watch !== false) {
    // The settings object is updated in place with what applies live (the Stripe route reads it).
    const watcher = watchForReloads({ options, paths, settings, extra, invoker, emitter, handlerEnv: envFor });
    life.add("source and settings watchers", { stop: () => watcher.close() });
    await watcher.ready;
  }

  const worker = Object.assign(emitter, {
    url,
    port,
    settings,
    entry,
    schedule: {
      ...scheduleSetting,
      get next() {
        return timer?.next ?? null;
      },
    } satisfies DevSchedule,
    replay: store.replay,
    leftoverProcesses,
    ...(historyDamage ? { historyDamage } : {}),
    ...shown,
    payloadTypes,
    // The handler has loaded by now, so the types have been read: the example fits them.
    exampleMessage: exampleFitting(shown.exampleMessage, payloadSchemas),
    handler,
    types: () => typeChecks.state,
    lambdaWorld: {
      awsCredentials: options.awsCredentials === true,
      passEnv: options.passEnv ?? [],
      atLeastOnce: options.atLeastOnce ? { duplicateShare } : null,
      reservedEnvKeys: reservedEnvKeys(extra),
      localNodeMajor: Number(process.versions.node.split(".")[0]),
      deployedNodeMajor: DEPLOYED_NODE_MAJOR,
    },
    stats: () => queue.stats(Date.now()),
    close: () => life.close(),
  });
  // After the caller has its listeners on (the console): what expired while dev was stopped is reported too.
  setImmediate(() => {
    emitter.emit("ready", { url });
    const due = dueBeforeReady ?? [];
    dueBeforeReady = null;
    for (const at of due) void scheduledRuns.fire(at);
    for (const expired of expiredWhileStopped) emitter.emit("message:expired", expired);
  });
  return worker;
}

/** What /health says of the journal: ok, or degraded with the reason (then /health answers 503). */
function journalHealth(state: JournalState) {
  const journal = { unwritten: state.unwritten };
  return state.ok ? { ok: true, journal } : { ok: false, degraded: true, reason: state.reason, code: state.code, since: state.since, journal };
}

/** What /health says of the user's code: ready, or why not and when it is tried again. */
function handlerHealth(invoker: HandlerInvoker, handler: DevWorker["handler"]): string {
  if (invoker.available) return "ready";
  const at = invoker.nextLoadAttemptAt;
  const retry = at === undefined ? "" : `; trying again in ${Math.max(0, Math.ceil((at - Date.now()) / 1000))} s, or at once when a file is saved`;
  return `failed to load: ${loadErrorSummary(handler.error ?? "", 1)[0] ?? "see the dev log"}${retry}`;
}

/** Messages waiting for their next attempt, soonest first: failed ones, and those whose attempt ended with a dev restart. */
function retryingViews(queue: MessageQueue, mapping: EventSourceMapping, settings: RetrySettings): RetryingView[] {
  const views: Array<RetryingView & { at: number }> = [];
  for (const message of queue.all()) {
    if (message.state !== "inflight" || mapping.isRunning(message.id)) continue;
    const timing = retryTiming(message, settings);
    views.push({
      messageId: message.id,
      type: message.type,
      attempts: message.receiveCount,
      maxAttempts: settings.maxReceiveCount,
      lastError: message.lastError ?? null,
      nextAttemptAt: new Date(timing.nextAttemptAt).toISOString(),
      deadLetterAt: new Date(timing.deadLetterAt).toISOString(),
      at: timing.nextAttemptAt,
    });
  }
  return views.sort((a, b) => a.at - b.at).map(({ at: _at, ...view }) => view);
}

/** A type check's outcome as the "types:checked" event says it. */
function typesChecked(state: TypesState): TypesChecked {
  if (state.state === "failed") return { failed: state.error };
  const result = state.state === "checked" ? state.result : { errors: [], total: 0, ms: 0, compiler: "none" };
  return { ok: result.total === 0, total: result.total, errors: result.errors, ms: result.ms, compiler: result.compiler, ...(result.tsconfig ? { tsconfig: result.tsconfig } : {}) };
}

function expiredInfo(message: QueueMessage, now: number) {
  return { id: message.id, type: message.type, ageSeconds: Math.round((now - message.sentAt) / 1000), dead: message.state === "dead" };
}

/** The one builder of "message:dead", whichever part dead-lettered the message (a last failed attempt, a scheduled run, the mapping). */
function deadEvent(id: string, type: string, attempts: number, error: string, stack: string | undefined): DevWorkerEvents["message:dead"][0] {
  return { id, type, attempts, error, ...(stack ? { stack } : {}) };
}

