// letsgo-worker dev dashboard. Plain DOM, no dependencies: served by `dev` itself, works offline.
// Every value from the worker is put in the page as text (never as HTML): message bodies are the user's data.

const $ = (id) => document.getElementById(id);

// Text from messages and handlers, shown as the terminal shows it (src/dev/printable.ts): control
// characters and bidi overrides, which could hide or reorder what the page says, as visible escapes.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const shown = (text) => String(text).replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

/** An element with attributes (on* as listeners) and children (strings become text). */
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) if (child !== undefined && child !== null && child !== false) el.append(child instanceof Node ? child : shown(child));
  return el;
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let data;
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    data = { error: text };
  }
  if (!response.ok) throw new Error(data.error ?? `HTTP ${response.status}`);
  return data;
}

const short = (id) => id.slice(0, 8);
const number = (n) => (typeof n === "number" ? n.toLocaleString("en") : "–");
const time = (ms) => (ms ? new Date(ms).toLocaleTimeString([], { hour12: false }) : "");
const dateTime = (ms) => (ms ? new Date(ms).toLocaleString([], { hour12: false }) : "");
const messageLink = (id, label = short(id)) => h("a", { href: `#message/${id}`, class: "mono", title: id }, label);
const statusBadge = (status) => h("span", { class: `status ${status}` }, status);

function say(el, text, isError = false) {
  el.textContent = "";
  el.classList.toggle("error", isError);
  if (Array.isArray(text)) el.append(...text);
  else el.textContent = shown(text);
}

// ---------- views and routing ----------

const VIEWS = ["overview", "messages", "message", "dlq", "send", "schedule", "stripe"];
let currentView = "overview";

function route() {
  const [view, arg] = location.hash.replace(/^#/, "").split("/");
  currentView = VIEWS.includes(view) ? view : "overview";
  for (const section of document.querySelectorAll("main > section")) section.hidden = section.dataset.view !== currentView;
  for (const link of document.querySelectorAll(".top nav a")) {
    const active = link.dataset.view === currentView || (currentView === "message" && link.dataset.view === "messages");
    if (active) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const loaders = { messages: loadMessages, message: () => loadStory(decodeURIComponent(arg ?? "")), dlq: loadDlq, send: loadSend, schedule: loadSchedule, stripe: loadStripe };
  loaders[currentView]?.().catch((error) => console.error(error));
}
let focusSearchAfterRoute = false;
window.addEventListener("hashchange", () => {
  route();
  // Keyboard users land on the new view's content, or on the search when "/" brought them here.
  if (focusSearchAfterRoute) $("filter-q").focus();
  else $("main").focus({ preventScroll: true });
  focusSearchAfterRoute = false;
});

// "/" focuses the message search, from anywhere but a field.
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement?.tagName ?? "")) return;
  event.preventDefault();
  if (currentView === "messages") $("filter-q").focus();
  else {
    focusSearchAfterRoute = true;
    location.hash = "#messages";
  }
});

// ---------- overview (live) ----------

let lastOverview;

function showOverview(o) {
  lastOverview = o;
  const s = o.stats;
  $("stat-visible").textContent = number(s.visible);
  $("stat-inflight").textContent = number(s.inFlight);
  $("stat-delayed").textContent = number(s.delayed);
  $("stat-dead").textContent = number(s.dead);
  $("stat-handled-rate").textContent = number(o.rates.handledPerSecond);
  $("stat-failed-rate").textContent = number(o.rates.failedPerSecond);
  $("stat-processed").textContent = number(s.processed);
  $("stat-failed").textContent = number(s.failed);
  $("dlq-count").textContent = String(s.dead);
  $("dlq-count").classList.toggle("hot", s.dead > 0);
  const handler = o.handler;
  $("handler-state").textContent = shown(handler.loaded
    ? `Code loaded${handler.loadMs !== undefined ? ` in ${handler.loadMs} ms` : ""} · ${o.restarts} unexpected exit${o.restarts === 1 ? "" : "s"} this run`
    : `Code not loaded: ${handler.error ?? "loading…"}`);
  renderTypes(o.types);
  const journal = $("journal-state");
  journal.hidden = o.journal.ok;
  if (!o.journal.ok) {
    say(journal, `The queue journal cannot be written since ${dateTime(Date.parse(o.journal.since))}: ${o.journal.reason}. ` +
      `POST / answers 503 (nothing accepted is lost)${o.journal.unwritten ? `; ${number(o.journal.unwritten)} queue changes wait to be written` : ""}. dev retries by itself.`, true);
  }
  $("processes").replaceChildren(
    ...(o.processes.length
      ? o.processes.map((p) => h("tr", {}, h("td", { class: "mono" }, p.pid ?? "–"), h("td", {}, p.state), h("td", { class: "num" }, p.rssMb !== undefined ? `${p.rssMb} MB` : "–")))
      : [h("tr", {}, h("td", { colspan: 3, class: "dim" }, "none running (one starts with the next message)"))]),
  );
  if ($("settings").childElementCount === 0) {
    $("settings").replaceChildren(...Object.entries(o.settings).map(([key, value]) => h("tr", {}, h("td", { class: "mono" }, key), h("td", { class: "mono" }, String(value)))));
  }
}

/** The latest type check of the worker: its errors, as `tsc` would print them, while delivery goes on. */
function renderTypes(types) {
  const box = $("types-state");
  if (!types || types.state === "off") return box.replaceChildren(h("p", { class: "dim" }, "Not checked (dev runs with --no-typecheck)."));
  if (types.state === "failed") return box.replaceChildren(h("p", { class: "warn" }, `The type check could not run: ${types.error}`));
  const result = types.state === "checked" ? types.result : types.last;
  const checking = types.state === "checking" ? " · checking again…" : "";
  if (!result) return box.replaceChildren(h("p", { class: "dim" }, "Checking the worker's types…"));
  if (result.total === 0) return box.replaceChildren(h("p", { class: "dim" }, `No type errors (${result.compiler}, ${result.ms} ms)${checking}`));
  const more = result.total - result.errors.length;
  box.replaceChildren(
    h("p", { class: "bad" }, `${result.total} type error${result.total === 1 ? "" : "s"} in ${result.tsconfig}: messages still run on the code as it is; build and deploy refuse it.${checking}`),
    h("ul", { class: "type-errors mono" }, ...result.errors.map((e) => h("li", {}, `${e.file}:${e.line}:${e.column} TS${e.code} ${e.message}`))),
  );
  if (more > 0) box.append(h("p", { class: "dim" }, `… and ${more} more (npx tsc --noEmit -p ${result.tsconfig})`));
}

function connect() {
  const source = new EventSource("/api/events");
  source.addEventListener("open", () => {
    $("live").textContent = "live";
    $("live").className = "live on";
  });
  source.addEventListener("error", () => {
    $("live").textContent = "reconnecting…";
    $("live").className = "live off";
  });
  source.addEventListener("overview", (event) => showOverview(JSON.parse(event.data)));
  source.addEventListener("messages", (event) => {
    const changed = JSON.parse(event.data);
    mergeMessages(changed);
    if (currentView === "message" && changed.some((m) => m.id === storyId)) loadStory(storyId).catch(() => {});
    if (currentView === "dlq" && changed.some((m) => m.status === "dead" || m.status === "redriven")) loadDlq().catch(() => {});
  });
}

// ---------- messages ----------

let messages = [];
const typesSeen = new Set();

function filters() {
  return { q: $("filter-q").value.trim().toLowerCase(), type: $("filter-type").value, status: $("filter-status").value };
}

function matches(m, f) {
  if (f.type && m.type !== f.type) return false;
  if (f.status && m.status !== f.status) return false;
  return !f.q || m.id.toLowerCase().startsWith(f.q) || m.type.toLowerCase().includes(f.q);
}

async function loadMessages() {
  const f = filters();
  const params = new URLSearchParams({ limit: "200", ...(f.q ? { q: f.q } : {}), ...(f.type ? { type: f.type } : {}), ...(f.status ? { status: f.status } : {}) });
  const data = await api("GET", `/api/messages?${params}`);
  messages = data.messages;
  renderMessages(data.total);
}

function mergeMessages(changed) {
  const f = filters();
  for (const m of changed) {
    const at = messages.findIndex((known) => known.id === m.id);
    if (at !== -1) messages.splice(at, 1);
    if (matches(m, f)) messages.unshift(m);
  }
  messages.sort((a, b) => b.updatedAt - a.updatedAt);
  messages.length = Math.min(messages.length, 200);
  if (currentView === "messages") renderMessages();
}

function renderMessages(total) {
  for (const m of messages) {
    if (typesSeen.has(m.type)) continue;
    typesSeen.add(m.type);
    $("filter-type").append(h("option", { value: m.type }, m.type));
  }
  $("message-rows").replaceChildren(
    ...(messages.length
      ? messages.map((m) =>
          h(
            "tr",
            { "data-id": m.id },
            h("td", {}, messageLink(m.id)),
            h("td", {}, m.type),
            h("td", {}, statusBadge(m.status)),
            h("td", { class: "num" }, m.attempts),
            h("td", { class: "error" }, m.lastError ?? ""),
            h("td", {}, time(m.updatedAt)),
          ),
        )
      : [h("tr", {}, h("td", { colspan: 6, class: "dim" }, "No messages yet: send one from the Send view, or with letsgo-worker enqueue."))]),
  );
  if (total !== undefined) $("message-count").textContent = `${number(total)} in the history (the newest 10,000 of the last 7 days)`;
}

let filterTimer;
$("message-filter").addEventListener("input", () => {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(() => loadMessages().catch(() => {}), 150);
});
$("message-filter").addEventListener("submit", (event) => event.preventDefault());

// ---------- a message's story ----------

let storyId = "";

/** dev only: the waiting message is tried again now, not when its visibility timeout ends. */
async function retryNow(id) {
  try {
    await api("POST", `/retry?messageId=${encodeURIComponent(id)}`);
    say($("replay-result"), "Retried: its next attempt runs now.");
  } catch (error) {
    say($("replay-result"), error.message, true);
  }
  await loadStory(id).catch(() => {});
}

async function loadStory(id) {
  storyId = id;
  let data;
  try {
    data = await api("GET", `/api/message?id=${encodeURIComponent(id)}`);
  } catch (error) {
    $("story-id").textContent = id;
    $("story-facts").replaceChildren(h("dt", {}, "error"), h("dd", { class: "bad" }, error.message));
    return;
  }
  const m = data.message;
  storyId = m.id;
  $("story-id").textContent = shown(m.id);
  const facts = [
    ["type", m.type],
    ["outcome", statusBadge(m.status)],
    ["sent", dateTime(m.sentAt)],
    ["came from", m.from ? [m.source, " of ", messageLink(m.from)] : m.source],
    ...(m.copies?.length ? [["copies", m.copies.flatMap((copy, i) => [i ? ", " : "", messageLink(copy)])]] : []),
    ...(m.retry
      ? [
          ["next attempt", [`${dateTime(Date.parse(m.retry.nextAttemptAt))} (attempt ${m.retry.attempts + 1} of ${m.retry.maxAttempts}) `, h("button", { type: "button", id: "retry-now", onclick: () => retryNow(m.id) }, "Retry now")]],
          ["dead-letter queue", `by ${dateTime(Date.parse(m.retry.deadLetterAt))} if it keeps failing`],
        ]
      : []),
  ];
  $("story-facts").replaceChildren(...facts.flatMap(([key, value]) => [h("dt", {}, key), h("dd", {}, value)]));
  $("story-body").textContent = shown(m.message !== undefined ? JSON.stringify(m.message, null, 2) : m.body);
  if (m.bodyBytes) $("story-body").append(`\n… cut: ${number(m.bodyBytes)} bytes in all`);
  $("story-attributes").replaceChildren(
    ...(m.attributes && Object.keys(m.attributes).length
      ? [
          h("h3", {}, "Attributes"),
          h(
            "table",
            { class: "grid" },
            h("tbody", {}, ...Object.entries(m.attributes).map(([name, a]) => h("tr", {}, h("td", { class: "mono" }, name), h("td", {}, a.dataType), h("td", { class: "mono" }, a.value)))),
          ),
        ]
      : []),
  );
  $("story-attempts").replaceChildren(
    ...(m.attempts.length
      ? m.attempts.map((a) =>
          h(
            "li",
            { class: "attempt" },
            h(
              "div",
              { class: "head" },
              h("strong", {}, `Attempt ${a.n}`),
              h("span", {}, dateTime(a.at)),
              h("span", {}, `${a.durationMs} ms`),
              h("span", { class: a.ok ? "ok" : "bad" }, a.ok ? "handled" : "failed"),
              h("span", { class: "dim mono", title: "awsRequestId" }, a.requestId),
            ),
            a.error ? h("p", { class: "bad" }, a.error) : null,
            a.stack ? h("details", { open: true }, h("summary", {}, "Stack"), h("pre", { class: "code stack" }, a.stack)) : null,
            a.output.length
              ? h("details", { open: true }, h("summary", {}, `Output (${a.output.length} line${a.output.length === 1 ? "" : "s"})`), h("pre", { class: "code output" }, a.output.map((o) => o.line).join("\n")))
              : h("p", { class: "dim" }, "No output."),
          ),
        )
      : [h("li", { class: "dim" }, m.status === "waiting" ? "Not received yet." : "No attempt recorded.")]),
  );
  if (document.activeElement !== $("replay-payload")) {
    $("replay-payload").value = m.message && typeof m.message === "object" && "payload" in m.message ? JSON.stringify(m.message.payload, null, 2) : "";
  }
}

async function replay(body) {
  try {
    const result = await api("POST", `/api/replay?id=${encodeURIComponent(storyId)}`, body);
    say($("replay-result"), ["Replayed as ", messageLink(result.messageId, result.messageId), "."]);
  } catch (error) {
    say($("replay-result"), error.message, true);
  }
}
$("replay-as-is").addEventListener("click", () => replay(undefined));
$("replay-form").addEventListener("submit", (event) => {
  event.preventDefault();
  let payload;
  try {
    payload = JSON.parse($("replay-payload").value);
  } catch (error) {
    say($("replay-result"), `The payload is not valid JSON: ${error.message}`, true);
    return;
  }
  replay({ payload });
});

// ---------- DLQ ----------

let deadCount = 0;

async function loadDlq() {
  const { messages: dead } = await api("GET", "/dlq");
  deadCount = dead.length;
  $("dlq-rows").replaceChildren(
    ...(dead.length
      ? dead.map((m) =>
          h(
            "tr",
            { "data-id": m.messageId },
            h("td", {}, messageLink(m.messageId)),
            h("td", {}, m.type),
            h("td", { class: "num" }, m.receiveCount),
            h("td", { class: "error" }, m.lastError ?? ""),
            h("td", {}, m.deadAt ? dateTime(Date.parse(m.deadAt)) : ""),
            h("td", {}, h("button", { type: "button", class: "redrive", "aria-label": `Redrive ${short(m.messageId)}`, onclick: () => redrive(m.messageId) }, "Redrive")),
          ),
        )
      : [h("tr", {}, h("td", { colspan: 6, class: "dim" }, "The dead-letter queue is empty."))]),
  );
}

async function redrive(id) {
  try {
    const result = await api("POST", `/dlq/redrive${id ? `?messageId=${encodeURIComponent(id)}` : ""}`);
    const moved = result.messages ?? [];
    say($("dlq-result"), moved.length ? [`Redriven ${moved.length}: `, ...moved.flatMap((m, i) => [i ? ", " : "", messageLink(m.from), " → ", messageLink(m.messageId)])] : "Nothing to redrive.");
  } catch (error) {
    say($("dlq-result"), error.message, true);
  }
  await loadDlq();
}
$("redrive-all").addEventListener("click", () => redrive());
$("purge").addEventListener("click", () => {
  $("purge-count").textContent = String(deadCount);
  $("purge-dialog").showModal();
});
$("purge-dialog").addEventListener("close", async () => {
  if ($("purge-dialog").returnValue !== "purge") return;
  try {
    const result = await api("DELETE", "/dlq");
    say($("dlq-result"), `Purged ${result.purged}.`);
  } catch (error) {
    say($("dlq-result"), error.message, true);
  }
  await loadDlq();
});

// ---------- send ----------

let types = [];

async function loadSend() {
  if (types.length) return;
  ({ types } = await api("GET", "/api/types"));
  $("send-type").replaceChildren(...types.map((t) => h("option", { value: t.type }, t.type)));
  showExample();
}

function showExample() {
  const chosen = types.find((t) => t.type === $("send-type").value);
  if (!chosen) return;
  $("send-payload").value = JSON.stringify(chosen.example, null, 2);
  $("send-declared").textContent = chosen.declaredAs
    ? `Checked against ${chosen.declaredAs} in @letsgo/types.${chosen.handled ? "" : " No handler is registered for it: it will fail into the DLQ."}`
    : `No interface declares its payload: it is not checked.${chosen.handled ? "" : " No handler is registered for it."}`;
}
$("send-type").addEventListener("change", showExample);
$("send-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  let payload;
  try {
    payload = JSON.parse($("send-payload").value);
  } catch (error) {
    say($("send-result"), `The payload is not valid JSON: ${error.message}`, true);
    return;
  }
  const delay = Number($("send-delay").value) || 0;
  try {
    const result = await api("POST", `/${delay ? `?delaySeconds=${delay}` : ""}`, { type: $("send-type").value, payload });
    say($("send-result"), ["Sent: ", messageLink(result.messageIds[0], result.messageIds[0]), delay ? ` (visible in ${delay} s)` : ""]);
  } catch (error) {
    say($("send-result"), error.message, true);
  }
});

// ---------- schedule ----------

async function loadSchedule() {
  const s = await api("GET", "/api/schedule");
  const state = { on: "fires on its schedule", off: "off (dev --no-schedule): Run now still works", none: "none: LETSGO_WORKER_SCHEDULE is empty" }[s.state];
  $("schedule-facts").replaceChildren(
    ...[
      ["expression", h("code", {}, s.expression || "(empty)")],
      ["time zone", s.timezone],
      ["in words", s.description ?? "–"],
      ["state", state],
    ].flatMap(([key, value]) => [h("dt", {}, key), h("dd", {}, value)]),
  );
  $("schedule-next").replaceChildren(...(s.next.length ? s.next.map((fire) => h("li", {}, `${fire.local}  (${fire.utc})`)) : [h("li", { class: "dim" }, "none")]));
  $("schedule-runs").replaceChildren(
    ...(s.runs.length
      ? s.runs.map((run) =>
          h(
            "tr",
            {},
            h("td", {}, dateTime(Date.parse(run.at))),
            h("td", {}, run.scheduledTime ?? ""),
            h("td", { class: run.ok ? "ok" : "bad" }, run.ok ? "done" : `failed (attempt ${run.attempt}/${run.maxAttempts})`),
            h("td", { class: "num" }, run.durationMs !== undefined ? `${Math.round(run.durationMs)} ms` : ""),
            h("td", { class: "error" }, run.error ?? ""),
          ),
        )
      : [h("tr", {}, h("td", { colspan: 5, class: "dim" }, "No runs yet in this session."))]),
  );
}
$("run-now").addEventListener("click", async () => {
  say($("schedule-result"), "Running…");
  try {
    const result = await api("POST", "/schedule");
    say($("schedule-result"), `Ran in ${Math.round(result.durationMs ?? 0)} ms: done.`);
  } catch (error) {
    say($("schedule-result"), `The run failed: ${error.message}`, true);
  }
  await loadSchedule();
});

// ---------- Stripe ----------

async function loadStripe() {
  if ($("stripe-type").childElementCount) return;
  const { types: stripeTypes } = await api("GET", "/api/stripe");
  $("stripe-type").replaceChildren(...stripeTypes.map((type) => h("option", { value: type }, type)));
}
$("stripe-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const result = await api("POST", `/api/stripe/trigger?type=${encodeURIComponent($("stripe-type").value)}`);
    say($("stripe-result"), result.messageId ? ["Delivered and enqueued as ", messageLink(result.messageId, result.messageId), "."] : `Delivered: ${JSON.stringify(result)}`);
  } catch (error) {
    say($("stripe-result"), error.message, true);
  }
});

// ---------- start ----------

api("GET", "/api/overview").then(showOverview).catch(() => {});
connect();
route();
