// @ts-check
// The message list: filtered on the server when loaded, kept current from the live stream.
import { api } from "../api.js";
import { $, at, byId, h, messageLink, number, statusBadge } from "../dom.js";

/** @typedef {import("../../dist/dev/history/history.js").HistorySummary} HistorySummary */

/** @type {HistorySummary[]} */
let messages = [];
const typesSeen = new Set();

function filters() {
  return { q: byId("filter-q", HTMLInputElement).value.trim().toLowerCase(), type: byId("filter-type", HTMLSelectElement).value, status: byId("filter-status", HTMLSelectElement).value };
}

/**
 * @param {HistorySummary} m
 * @param {ReturnType<typeof filters>} f
 */
function matches(m, f) {
  if (f.type && m.type !== f.type) return false;
  if (f.status && m.status !== f.status) return false;
  // A live update carries no body: one that may match by its payload waits for the next load to be listed.
  return !f.q || m.id.toLowerCase().startsWith(f.q) || m.type.toLowerCase().includes(f.q);
}

function filtering() {
  const f = filters();
  return Boolean(f.q || f.type || f.status);
}

export async function loadMessages() {
  const f = filters();
  const data = await api("GET /api/messages", { query: { limit: "200", q: f.q, type: f.type, status: f.status } });
  messages = data.messages;
  renderMessages({ matching: data.matching, total: data.total });
}

/**
 * Messages that changed (live): those that match the filter move to the top.
 * @param {HistorySummary[]} changed
 * @param {boolean} visible
 */
export function mergeMessages(changed, visible) {
  const f = filters();
  for (const m of changed) {
    const at = messages.findIndex((known) => known.id === m.id);
    if (at !== -1) messages.splice(at, 1);
    if (matches(m, f)) messages.unshift(m);
  }
  messages.sort((a, b) => b.updatedAt - a.updatedAt);
  messages.length = Math.min(messages.length, 200);
  if (visible) renderMessages();
}

/** @param {{ matching: number, total: number }} [counts] from a load: how many the filters match, of the whole history */
function renderMessages(counts) {
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
            h("td", {}, at(m.updatedAt)),
          ),
        )
      : [h("tr", {}, h("td", { colspan: 6, class: "dim" }, filtering() ? "Nothing matches the search and filters." : "No messages yet: send one from the Send view, or with letsgo-worker enqueue."))]),
  );
  if (!counts) return;
  const shownCount = messages.length < counts.matching ? `the newest ${number(messages.length)} of ` : "";
  $("message-count").textContent = filtering()
    ? `${shownCount}${number(counts.matching)} matching, of ${number(counts.total)} in the history (the newest 10,000 of the last 7 days)`
    : `${shownCount}${number(counts.total)} in the history (the newest 10,000 of the last 7 days)`;
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let filterTimer;
$("message-filter").addEventListener("input", () => {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(() => loadMessages().catch(() => {}), 150);
});
$("message-filter").addEventListener("submit", (event) => event.preventDefault());
