// @ts-check
// A message's story: its facts, body, attributes and attempts, with replay and retry-now.
import { api } from "../api.js";
import { $, byId, dateTime, h, messageLink, messageOf, number, say, shown, statusBadge } from "../dom.js";

/** The id of the story shown (or asked for), "" when none. */
export let storyId = "";

/**
 * dev only: the waiting message is tried again now, not when its visibility timeout ends.
 * @param {string} id
 */
async function retryNow(id) {
  try {
    await api("POST /retry", { query: { messageId: id } });
    say($("replay-result"), "Retried: its next attempt runs now.");
  } catch (error) {
    say($("replay-result"), messageOf(error), true);
  }
  await loadStory(id).catch(() => {});
}

/** @param {string} id */
export async function loadStory(id) {
  storyId = id;
  let data;
  try {
    data = await api("GET /api/message", { query: { id } });
  } catch (error) {
    $("story-id").textContent = id;
    $("story-facts").replaceChildren(h("dt", {}, "error"), h("dd", { class: "bad" }, messageOf(error)));
    return;
  }
  const m = data.message;
  storyId = m.id;
  $("story-id").textContent = shown(m.id);
  /** @type {Array<[string, import("../dom.js").Child]>} */
  const facts = [
    ["type", m.type],
    ["outcome", statusBadge(m.status)],
    ["sent", dateTime(m.sentAt)],
    ["came from", m.from ? [m.source, " of ", messageLink(m.from)] : m.source],
    ...(m.copies?.length ? [/** @type {[string, import("../dom.js").Child]} */ (["copies", m.copies.flatMap((copy, i) => [i ? ", " : "", messageLink(copy)])])] : []),
    ...(m.retry
      ? /** @type {Array<[string, import("../dom.js").Child]>} */ ([
          ["next attempt", [`${dateTime(Date.parse(m.retry.nextAttemptAt))} (attempt ${m.retry.attempts + 1} of ${m.retry.maxAttempts}) `, h("button", { type: "button", id: "retry-now", onclick: () => retryNow(m.id) }, "Retry now")]],
          ["dead-letter queue", `by ${dateTime(Date.parse(m.retry.deadLetterAt))} if it keeps failing`],
        ])
      : []),
  ];
  $("story-facts").replaceChildren(...facts.flatMap(([key, value]) => [h("dt", {}, key), h("dd", {}, value)]));
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
  const payloadField = byId("replay-payload", HTMLTextAreaElement);
  if (document.activeElement !== payloadField) {
    payloadField.value = m.message && typeof m.message === "object" && "payload" in m.message ? JSON.stringify(m.message.payload, null, 2) : "";
  }
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
