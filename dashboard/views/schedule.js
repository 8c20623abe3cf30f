// @ts-check
// The schedule: its expression in words, the next fire times, this session's runs, and Run now.
import { api } from "../api.js";
import { $, at, h, messageOf, say } from "../dom.js";

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
  // Local time like every time on the page; the schedule's own zone's reading beside it when it differs.
  $("schedule-next").replaceChildren(
    ...(s.next.length ? s.next.map((fire) => h("li", {}, at(Date.parse(fire.utc)), s.timezone === "UTC" ? null : h("span", { class: "dim" }, `  ${fire.local.replace("T", " ")} in ${s.timezone}`))) : [h("li", { class: "dim" }, "none")]),
  );
  $("schedule-runs").replaceChildren(
    ...(s.runs.length
      ? s.runs.map((run) =>
          h(
            "tr",
            {},
            h("td", {}, at(Date.parse(run.at))),
            h("td", {}, at(Date.parse(run.scheduledTime))),
            h("td", { class: run.ok ? "ok" : "bad" }, run.ok ? "done" : `failed (attempt ${run.attempt}/${run.maxAttempts})`),
            h("td", { class: "num" }, run.durationMs !== undefined ? `${Math.round(run.durationMs)} ms` : ""),
            h(
              "td",
              { class: "error" },
              run.ok ? null : h("p", { class: "bad" }, run.error),
              run.output.length ? h("details", {}, h("summary", {}, `Output (${run.output.length} line${run.output.length === 1 ? "" : "s"})`), h("pre", { class: "code output" }, run.output.map((o) => o.line).join("\n"))) : h("span", { class: "dim" }, "No output."),
            ),
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
