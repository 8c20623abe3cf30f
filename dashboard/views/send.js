// @ts-check
// Send a message of a type the project declares, its payload filled in from the type's interface.
import { api } from "../api.js";
import { $, byId, h, messageLink, messageOf, say } from "../dom.js";

/** @type {import("../../dist/dev/http/sendableTypes.js").SendableType[]} */
let types = [];
const typeField = byId("send-type", HTMLSelectElement);
const payloadField = byId("send-payload", HTMLTextAreaElement);

export async function loadSend() {
  if (types.length) return;
  ({ types } = await api("GET /api/types"));
  typeField.replaceChildren(...types.map((t) => h("option", { value: t.type }, t.type)));
  showExample();
}

function showExample() {
  const chosen = types.find((t) => t.type === typeField.value);
  if (!chosen) return;
  payloadField.value = JSON.stringify(chosen.example, null, 2);
  $("send-declared").textContent = chosen.declaredAs
    ? `Checked against ${chosen.declaredAs} in @letsgo/types.${chosen.handled ? "" : " No handler is registered for it: it will fail into the DLQ."}`
    : `No interface declares its payload: it is not checked.${chosen.handled ? "" : " No handler is registered for it."}`;
}
typeField.addEventListener("change", showExample);
$("send-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  let payload;
  try {
    payload = JSON.parse(payloadField.value);
  } catch (error) {
    say($("send-result"), `The payload is not valid JSON: ${messageOf(error)}`, true);
    return;
  }
  const delay = Number(byId("send-delay", HTMLInputElement).value) || 0;
  try {
    const result = await api("POST /", { query: { delaySeconds: delay ? String(delay) : undefined }, body: { type: typeField.value, payload } });
    const id = result.messageIds[0] ?? "";
    say($("send-result"), ["Sent: ", messageLink(id, id), delay ? ` (visible in ${delay} s)` : ""]);
  } catch (error) {
    say($("send-result"), messageOf(error), true);
  }
});
