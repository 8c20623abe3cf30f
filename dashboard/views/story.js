// @ts-check
// A message's story: its facts, its timeline (sent → each attempt → DLQ, redrive, replay, on one time
// axis), its body and attributes, and what can be done with it here: retry now, redrive, replay.
import { api } from "../api.js";
import { $, at, byId, duration, h, messageLink, messageOf, number, say, shown, statusBadge, svg } from "../dom.js";

/** @typedef {import("../../dist/dev/http/devApi.js").MessageStory} MessageStory */
/** @typedef {import("../../dist/dev/http/devApi.js").TimelineItem} TimelineItem */
/** @typedef {import("../dom.js").Child} Child */

/** The id of the story shown (or asked for), "" when none. */
export let storyId = "";

/** @param {string} id */
export async function loadStory(id) {
  // Another message's page: what the last one's actions said does not belong here.
  if (id !== storyId && !storyId.startsWith(id)) for (const result of ["story-result", "replay-result"]) say($(result), "");
  storyId = id;
  let data;
  try {
    data = await api("GET /api/message", { query: { id } });
  } catch (error) {
    $("story-id").textContent = id;
    $("story-facts").replaceChildren(h("dt", {}, "error"), h("dd", { class: "bad" }, messageOf(error)));
    for (const part of ["story-actions", "story-axis", "story-timeline"]) $(part).replaceChildren();
    return;
  }
  const m = data.message;
  storyId = m.id;
  $("story-id").textContent = shown(m.id);
  showFacts(m);
  showActions(m);
  $("story-axis").replaceChildren(axis(m.timeline));
  $("story-timeline").replaceChildren(...m.timeline.map((item) => timelineEntry(item, m.timeline[0]?.at ?? 0)));
  $("story-body").textContent = shown(m.message !== undefined ? JSON.stringify(m.message, null, 2) : m.body);
  if (m.bodyBytes) $("story-body").append(`\n… cut: ${number(m.bodyBytes)} bytes in all`);
  const attributes = Object.entries(m.attributes ?? {});
  $("story-attributes").replaceChildren(
    ...(attributes.length
      ? [
          h("h3", {}, "Attributes"),
          h("table", { class: "grid" }, h("tbody", {}, ...attributes.map(([name, a]) => h("tr", {}, h("td", { class: "mono" }, name), h("td", {}, a.dataType), h("td", { class: "mono" }, a.value))))),
        ]
      : []),
  );
  const payloadField = byId("replay-payload", HTMLTextAreaElement);
  if (document.activeElement !== payloadField) {
    payloadField.value = m.message && typeof m.message === "object" && "payload" in m.message ? JSON.stringify(m.message.payload, null, 2) : "";
  }
}

/** @param {MessageStory} m */
function showFacts(m) {
  /** @type {Array<[string, Child]>} */
  const facts = [
    ["type", m.type],
    ["outcome", statusBadge(m.status)],
    ["sent", at(m.sentAt)],
    ["came from", m.from ? [m.source, " of ", messageLink(m.from)] : m.source],
  ];
  if (m.copies?.length) facts.push(["copies", m.copies.flatMap((copy, i) => [i ? ", " : "", messageLink(copy)])]);
  if (m.retry) {
    facts.push(["next attempt", [at(Date.parse(m.retry.nextAttemptAt)), ` (attempt ${m.retry.attempts + 1} of ${m.retry.maxAttempts})`]]);
    facts.push(["dead-letter queue", ["by ", at(Date.parse(m.retry.deadLetterAt)), " if it keeps failing"]]);
  }
  $("story-facts").replaceChildren(...facts.flatMap(([key, value]) => [h("dt", {}, key), h("dd", {}, value)]));
}

/** @param {MessageStory} m */
function showActions(m) {
  const buttons = [];
  if (m.retry) buttons.push(h("button", { type: "button", id: "retry-now", onclick: () => act(m.id, "retry") }, "Retry now"));
  if (m.status === "dead") buttons.push(h("button", { type: "button", id: "story-redrive", onclick: () => act(m.id, "redrive") }, "Redrive"));
  buttons.push(h("button", { type: "button", onclick: () => byId("replay-payload", HTMLTextAreaElement).focus() }, "Replay…"));
  $("story-actions").replaceChildren(...buttons);
}

/**
 * Retry now (dev only: not when its visibility timeout ends), or redrive from the DLQ (as a new message, as SQS's).
 * @param {string} id
 * @param {"retry" | "redrive"} what
 */
async function act(id, what) {
  try {
    if (what === "retry") {
      await api("POST /retry", { query: { messageId: id } });
      say($("story-result"), "Retried: its next attempt runs now.");
    } else {
      const result = await api("POST /dlq/redrive", { query: { messageId: id } });
      const copy = result.newMessageId ?? "";
      say($("story-result"), ["Redriven as ", messageLink(copy, copy), " (a new message, as SQS's redrive makes)."]);
    }
  } catch (error) {
    say($("story-result"), messageOf(error), true);
  }
  await loadStory(id).catch(() => {});
}

/**
 * The timeline drawn on one time axis: the send, each attempt as long as it ran, the DLQ and copies, the next attempt.
 * @param {TimelineItem[]} items
 */
function axis(items) {
  const start = items[0]?.at ?? 0;
  const end = Math.max(...items.map((item) => item.at + (item.kind === "attempt" ? item.durationMs : 0)), start + 1);
  const x = (/** @type {number} */ ms) => 10 + ((ms - start) / (end - start)) * 980;
  const marks = items.map((item) => {
    const title = svg("title", {}, `${axisLabel(item)} · ${new Date(item.at).toISOString()}`);
    if (item.kind === "attempt") {
      const width = Math.max(4, x(item.at + item.durationMs) - x(item.at));
      return svg("rect", { x: x(item.at), y: 12, width, height: 16, rx: 2, class: item.ok ? "ok" : "bad" }, title);
    }
    if (item.kind === "next") return svg("rect", { x: x(item.at) - 3, y: 12, width: 6, height: 16, rx: 2, class: "next" }, title);
    if (item.kind === "sent") return svg("circle", { cx: x(item.at), cy: 20, r: 5, class: "sent" }, title);
    return svg("line", { x1: x(item.at), x2: x(item.at), y1: 6, y2: 34, class: `mark ${item.what}` }, title);
  });
  return svg(
    "svg",
    { viewBox: "0 0 1000 48", role: "img", "aria-label": `Timeline over ${duration(end - start)}` },
    svg("line", { x1: 10, x2: 990, y1: 20, y2: 20, class: "rule" }),
    ...marks,
    svg("text", { x: 10, y: 46, class: "tick" }, "sent"),
    svg("text", { x: 990, y: 46, class: "tick end" }, `+${duration(end - start)}`),
  );
}

/** @param {TimelineItem} item */
function axisLabel(item) {
  if (item.kind === "sent") return "sent";
  if (item.kind === "attempt") return `attempt ${item.n}: ${item.ok ? "handled" : "failed"} in ${duration(item.durationMs)}`;
  if (item.kind === "next") return `next attempt (${item.attempt} of ${item.maxAttempts})`;
  return { dead: "moved to the dead-letter queue", expired: "expired", redriven: "redriven", replayed: "replayed" }[item.what];
}

/**
 * @param {TimelineItem} item
 * @param {number} start when it was sent: each entry says how long after
 */
function timelineEntry(item, start) {
  const after = item.at >= start && item.kind !== "sent" ? h("span", { class: "dim" }, `+${duration(item.at - start)}`) : null;
  if (item.kind === "sent") {
    const how = { send: "Sent", stripe: "Received from Stripe", redrive: "Redriven from the DLQ", replay: "Replayed", schedule: "A scheduled run", journal: "Restored from the journal" }[item.source];
    return h("li", { class: "sent" }, h("div", { class: "head" }, h("strong", {}, how), at(item.at), item.from ? ["as a copy of ", messageLink(item.from)] : null));
  }
  if (item.kind === "mark") {
    const what = { dead: "Moved to the dead-letter queue", expired: "Expired (past its retention), dropped as SQS drops it", redriven: "Redriven as", replayed: "Replayed as" }[item.what];
    return h("li", { class: `mark ${item.what}` }, h("div", { class: "head" }, h("strong", {}, what), item.to ? messageLink(item.to) : null, at(item.at), after));
  }
  if (item.kind === "next") {
    return h(
      "li",
      { class: "next" },
      h("div", { class: "head" }, h("strong", {}, `Next attempt (${item.attempt} of ${item.maxAttempts})`), at(item.at), h("span", { class: "dim" }, `in ${duration(Math.max(0, item.at - Date.now()))}`)),
      h("p", { class: "dim" }, ["In the dead-letter queue by ", at(item.deadLetterAt), " if every attempt left fails."]),
    );
  }
  return h(
    "li",
    { class: "attempt" },
    h(
      "div",
      { class: "head" },
      h("strong", {}, `Attempt ${item.n}`),
      at(item.at),
      after,
      h("span", {}, duration(item.durationMs)),
      statusBadge(item.ok ? "handled" : "failed"),
      h("span", { class: "dim mono", title: "awsRequestId" }, item.requestId),
    ),
    item.error === undefined ? null : item.sameErrorAs !== undefined ? h("p", { class: "bad same" }, `Same error as attempt ${item.sameErrorAs}: `, h("span", { class: "dim" }, item.error)) : h("p", { class: "bad" }, item.error),
    item.stack ? stackOf(item.stack) : null,
    item.output.length
      ? h("details", { open: true }, h("summary", {}, `Output (${item.output.length} line${item.output.length === 1 ? "" : "s"})`), h("pre", { class: "code output" }, item.output.map((o) => o.line).join("\n")))
      : h("p", { class: "dim" }, "No output."),
  );
}

/**
 * The user's frames first; the rest (node_modules, Node's internals) folded.
 * @param {{ user: string[], other: string[] }} stack
 */
function stackOf(stack) {
  return h(
    "div",
    { class: "stack-frames" },
    stack.user.length ? h("pre", { class: "code stack" }, stack.user.join("\n")) : h("p", { class: "dim" }, "No frame of your code in the stack."),
    stack.other.length ? h("details", {}, h("summary", {}, `${stack.other.length} more frame${stack.other.length === 1 ? "" : "s"} (dependencies, the runtime, Node)`), h("pre", { class: "code stack-other" }, stack.other.join("\n"))) : null,
  );
}

/** @param {{ payload: unknown } | undefined} body */
async function replay(body) {
  try {
    const result = await api("POST /api/replay", { query: { id: storyId }, body });
    say($("replay-result"), ["Replayed as ", messageLink(result.messageId, result.messageId), "."]);
  } catch (error) {
    say($("replay-result"), messageOf(error), true);
  }
}
$("replay-as-is").addEventListener("click", () => replay(undefined));
$("replay-form").addEventListener("submit", (event) => {
  event.preventDefault();
  let payload;
  try {
    payload = JSON.parse(byId("replay-payload", HTMLTextAreaElement).value);
  } catch (error) {
    say($("replay-result"), `The payload is not valid JSON: ${messageOf(error)}`, true);
    return;
  }
  replay({ payload });
});
