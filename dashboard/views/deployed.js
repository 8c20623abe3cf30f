// @ts-check
// The deployed worker beside the local one: queue and DLQ depth, the schedule, recent invocations,
// and each dead-lettered message's last error and stack, found in the function's logs by its id.
import { api } from "../api.js";
import { $, at, byId, duration, h, messageOf, number, say, short, statusBadge } from "../dom.js";

/** @typedef {import("../../dist/aws/deployedView.js").DeployedView} DeployedView */

export async function loadDeployed() {
  say($("deployed-result"), "Reading the deployment from AWS…");
  /** @type {DeployedView} */
  let view;
  try {
    view = await api("GET /api/deployed");
  } catch (error) {
    say($("deployed-result"), `Could not read the deployed worker: ${messageOf(error)}`, true);
    for (const part of ["deployed-facts", "deployed-dlq", "deployed-invocations", "deployed-only"]) $(part).replaceChildren();
    byId("deployed-redrive", HTMLButtonElement).disabled = true;
    return;
  }
  say($("deployed-result"), "");
  /** @type {Array<[string, import("../dom.js").Child]>} */
  const facts = [
    ["deployment", `${view.deployment} in ${view.region} (account ${view.account})`],
    ["queue", view.queue ? `${number(view.queue.visible)} waiting · ${number(view.queue.inFlight)} in flight · ${number(view.queue.delayed)} delayed` : "not deployed (no queue: letsgo-worker deploy)"],
    ["dead-letter queue", view.dlq ? `${number(view.dlq.visible)} message${view.dlq.visible === 1 ? "" : "s"}` : "none"],
    ["schedule", view.schedule ? [h("code", {}, view.schedule.expression || "(empty)"), ` (${view.schedule.timezone})`, view.schedule.state ? ` · ${view.schedule.state}` : "", view.schedule.nextFire ? " · next " : "", view.schedule.nextFire ? at(Date.parse(view.schedule.nextFire)) : ""] : "none"],
    ["logs", view.logsFound ? `${view.logGroup}, the last ${view.since}` : `${view.logGroup} does not exist yet (the function has not run)`],
  ];
  $("deployed-facts").replaceChildren(...facts.flatMap(([key, value]) => [h("dt", {}, key), h("dd", {}, value)]));
  const dead = view.dlq?.messages ?? [];
  byId("deployed-redrive", HTMLButtonElement).disabled = (view.dlq?.visible ?? 0) === 0;
  $("deployed-dlq").replaceChildren(
    ...(dead.length
      ? dead.map((m) =>
          h(
            "tr",
            { "data-id": m.messageId },
            h("td", { class: "mono", title: m.messageId }, short(m.messageId)),
            h("td", {}, m.message?.type ?? "(not a {type, payload} body)"),
            h("td", { class: "num" }, m.receiveCount),
            h("td", {}, m.sentAt ? at(Date.parse(m.sentAt)) : ""),
            h(
              "td",
              { class: "error" },
              m.lastError
                ? [h("p", { class: "bad" }, m.lastError), m.stack ? h("details", {}, h("summary", {}, "Stack"), h("pre", { class: "code stack" }, m.stack)) : null, m.failedAt ? h("span", { class: "dim" }, ["failed ", at(m.failedAt)]) : null]
                : h("span", { class: "dim" }, `not in the logs of the last ${view.since}`),
            ),
          ),
        )
      : [h("tr", {}, h("td", { colspan: 5, class: "dim" }, view.dlq ? "The deployed dead-letter queue is empty." : "No dead-letter queue: not deployed."))]),
  );
  $("deployed-invocations").replaceChildren(
    ...(view.invocations.length
      ? view.invocations.map((i) =>
          h(
            "tr",
            {},
            h("td", {}, at(i.at)),
            h("td", {}, i.kind === "scheduled" ? "scheduled run" : [i.type ?? "message", " ", h("span", { class: "dim mono", title: i.messageId ?? "" }, short(i.messageId ?? ""))]),
            h("td", {}, statusBadge(i.ok ? "handled" : "failed")),
            h("td", { class: "num" }, i.durationMs === undefined ? "" : duration(i.durationMs)),
            h("td", { class: "error" }, i.error ?? ""),
          ),
        )
      : [h("tr", {}, h("td", { colspan: 5, class: "dim" }, `No invocation logged in the last ${view.since}.`))]),
  );
  $("deployed-only").replaceChildren(...view.onlyInAws.map((line) => h("li", {}, line)));
}

$("deployed-refresh").addEventListener("click", () => loadDeployed().catch(() => {}));
$("deployed-redrive").addEventListener("click", async () => {
  if (!window.confirm("Move every message of the deployed dead-letter queue back to its queue (SQS message move task)?")) return;
  try {
    const result = await api("POST /api/deployed/redrive");
    say($("deployed-result"), `Move task started for about ${number(result.approximateCount)} messages (task ${short(result.taskHandle)}); SQS moves them in the background.`);
  } catch (error) {
    say($("deployed-result"), messageOf(error), true);
  }
});
