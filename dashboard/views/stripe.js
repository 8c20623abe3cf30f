// @ts-check
// Stripe test events: signed with the secret dev verifies with, and delivered to POST /stripe's handler.
import { api } from "../api.js";
import { $, byId, h, messageLink, messageOf, say } from "../dom.js";

const typeField = byId("stripe-type", HTMLSelectElement);

export async function loadStripe() {
  if (typeField.childElementCount) return;
  const { types } = await api("GET /api/stripe");
  typeField.replaceChildren(...types.map((type) => h("option", { value: type }, type)));
}
$("stripe-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const result = await api("POST /api/stripe/trigger", { query: { type: typeField.value } });
    say($("stripe-result"), result.messageId ? ["Delivered and enqueued as ", messageLink(result.messageId, result.messageId), "."] : `Delivered: ${JSON.stringify(result)}`);
  } catch (error) {
    say($("stripe-result"), messageOf(error), true);
  }
});
