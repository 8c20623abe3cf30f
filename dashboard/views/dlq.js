// @ts-check
// The dead-letter queue: its messages, redrive (one or all) and purge.
import { api } from "../api.js";
import { $, at, byId, h, messageLink, messageOf, say, short } from "../dom.js";

let deadCount = 0;

export async function loadDlq() {
  const { messages: dead } = await api("GET /dlq");
  deadCount = dead.length;
  // Nothing to act on: the buttons say so rather than "deletes 0 messages".
  for (const id of ["redrive-all", "purge"]) byId(id, HTMLButtonElement).disabled = dead.length === 0;
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
            h("td", {}, m.deadAt ? at(Date.parse(m.deadAt)) : ""),
            h("td", {}, h("button", { type: "button", class: "redrive", "aria-label": `Redrive ${short(m.messageId)}`, onclick: () => redrive(m.messageId) }, "Redrive")),
          ),
        )
      : [h("tr", {}, h("td", { colspan: 6, class: "dim" }, "The dead-letter queue is empty."))]),
  );
}

/** @param {string} [id] one message, or every dead one */
async function redrive(id) {
  try {
    const result = await api("POST /dlq/redrive", { query: { messageId: id } });
    const moved = result.messages ?? [];
    say($("dlq-result"), moved.length ? [`Redriven ${moved.length}: `, ...moved.flatMap((m, i) => [i ? ", " : "", messageLink(m.from), " → ", messageLink(m.messageId)])] : "Nothing to redrive.");
  } catch (error) {
    say($("dlq-result"), messageOf(error), true);
  }
  await loadDlq();
}
$("redrive-all").addEventListener("click", () => redrive());
const purgeDialog = byId("purge-dialog", HTMLDialogElement);
$("purge").addEventListener("click", () => {
  $("purge-count").textContent = String(deadCount);
  purgeDialog.showModal();
});
purgeDialog.addEventListener("close", async () => {
  if (purgeDialog.returnValue !== "purge") return;
  try {
    const result = await api("DELETE /dlq");
    say($("dlq-result"), `Purged ${result.purged}.`);
  } catch (error) {
    say($("dlq-result"), messageOf(error), true);
  }
  await loadDlq();
});
