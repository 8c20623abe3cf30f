// @ts-check
// The overview: counts, rates, the handler's state and type check, the processes and the settings (live).
import { $, dateTime, h, number, say, shown } from "../dom.js";

/** @typedef {import("../../dist/dev/http/devApi.js").Overview} Overview */

/** @param {Overview} o */
export function showOverview(o) {
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

/**
 * The latest type check of the worker: its errors, as `tsc` would print them, while delivery goes on.
 * @param {Overview["types"]} types
 */
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
