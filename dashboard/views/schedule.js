// @ts-check
// The schedule: its expression in words, the next fire times, this session's runs, and Run now.
import { api } from "../api.js";
import { $, dateTime, h, messageOf, say } from "../dom.js";

export async function loadSchedule() {
  const s = await api("GET /api/schedule");
  const state = { on: "fires on its schedule", off: "off (dev --no-schedule): Run now still works", none: "none: LETSGO_WORKER_SCHEDULE is empty" }[s.state];
  /** @type {Array<[string, import("../dom.js").Child]>} */
  const facts = [
    ["expression", h("code", {}, s.expression || "(empty)")],
    ["time zone", s.timezone],
    ["in words", s.description ?? "–"],
    ["state", state],
  ];
  $("schedule-facts").replaceChildren(...facts.flatMap(([key, value]) => [h("dt", {}, key), h("dd", {}, value)]));
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
            h("td", { class: "error" }, run.ok ? "" : run.error),
          ),
        )
      : [h("tr", {}, h("td", { colspan: 5, class: "dim" }, "No runs yet in this session."))]),
  );
}
$("run-now").addEventListener("click", async () => {
  say($("schedule-result"), "Running…");
  try {
    const result = await api("POST /schedule");
    say($("schedule-result"), `Ran in ${Math.round(result.durationMs ?? 0)} ms: done.`);
  } catch (error) {
    say($("schedule-result"), `The run failed: ${messageOf(error)}`, true);
  }
  await loadSchedule();
});
