// @ts-check
// The overview: counts, charts of the last minutes, the handler's state and type check, the processes
// and the settings in words (live).
import { api } from "../api.js";
import { $, at, duration, h, number, say, shown, svg } from "../dom.js";

/** @typedef {import("../../dist/dev/http/devApi.js").Overview} Overview */
/** @typedef {import("../../dist/dev/http/devApi.js").SeriesPoint} SeriesPoint */

/** @type {SeriesPoint[]} */
let points = [];
let seconds = 300;

/** What each chart draws: its title, the lines (field and class), and how its latest value reads. */
/** @type {Array<{ id: string, title: string, lines: Array<[keyof SeriesPoint, string]>, value: (p: SeriesPoint) => string }>} */
const CHARTS = [
  { id: "chart-rates", title: "Handled and failed / s", lines: [["handledPerSecond", "ok"], ["failedPerSecond", "bad"]], value: (p) => `${number(p.handledPerSecond)} · ${number(p.failedPerSecond)}` },
  { id: "chart-depth", title: "Waiting, delayed and in flight", lines: [["depth", "accent"]], value: (p) => number(p.depth) },
  { id: "chart-age", title: "Oldest waiting message", lines: [["oldestAgeSeconds", "warn"]], value: (p) => (p.oldestAgeSeconds ? duration(p.oldestAgeSeconds * 1000) : "none waits") },
];

/** The minutes before the page opened; then each second comes with the overview. */
export async function loadSeries() {
  const series = await api("GET /api/series");
  seconds = series.seconds;
  points = series.points;
  drawCharts();
}

/** @param {SeriesPoint | null} point */
function addPoint(point) {
  if (!point || (points.length && point.at <= (points.at(-1)?.at ?? 0))) return;
  points.push(point);
  if (points.length > seconds) points.shift();
  drawCharts();
}

function drawCharts() {
  const box = $("charts");
  if (box.childElementCount === 0) {
    box.append(...CHARTS.map((chart) => h("figure", { class: "chart", id: chart.id }, h("figcaption", {}, chart.title, " ", h("strong", { class: "now" }, "–")))));
  }
  const last = points.at(-1);
  const end = last?.at ?? Date.now();
  // The minutes there are (a fresh dev has seconds): the lines fill the chart from the first sample.
  const start = Math.min(end - 10_000, Math.max(end - seconds * 1000, points[0]?.at ?? end));
  for (const chart of CHARTS) {
    const figure = $(chart.id);
    const top = Math.max(1, ...points.flatMap((p) => chart.lines.map(([field]) => Number(p[field]))));
    const x = (/** @type {number} */ ms) => ((ms - start) / (end - start)) * 300;
    const y = (/** @type {number} */ v) => 58 - (v / top) * 54;
    const lines = chart.lines.map(([field, kind]) => svg("polyline", { points: points.map((p) => `${x(p.at).toFixed(1)},${y(Number(p[field])).toFixed(1)}`).join(" "), class: kind }));
    const drawing = svg(
      "svg",
      { viewBox: "0 0 300 60", preserveAspectRatio: "none", role: "img", "aria-label": `${chart.title}, the last ${Math.round(seconds / 60)} minutes; peak ${number(top)}` },
      svg("line", { x1: 0, x2: 300, y1: 58, y2: 58, class: "rule" }),
      ...lines,
    );
    figure.querySelector("svg")?.remove();
    figure.append(drawing);
    const now = figure.querySelector(".now");
    if (now) now.textContent = last ? chart.value(last) : "–";
  }
}

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
  addPoint(o.sample);
  const handler = o.handler;
  $("handler-state").textContent = shown(handler.loaded
    ? `Code loaded${handler.loadMs !== undefined ? ` in ${handler.loadMs} ms` : ""}${handler.image ? ` · runs in containers of ${handler.image} (dev --image)` : " · runs in Node processes on this machine"} · ${o.restarts} unexpected exit${o.restarts === 1 ? "" : "s"} this run`
    : `Code not loaded: ${handler.error ?? "loading…"}`);
  renderTypes(o.types);
  const journal = $("journal-state");
  journal.hidden = o.journal.ok;
  if (!o.journal.ok) {
    say(journal, [`The queue journal cannot be written since `, at(Date.parse(o.journal.since)), `: ${o.journal.reason}. ` +
      `POST / answers 503 (nothing accepted is lost)${o.journal.unwritten ? `; ${number(o.journal.unwritten)} queue changes wait to be written` : ""}. dev retries by itself.`], true);
  }
  $("processes").replaceChildren(
    ...(o.processes.length
      ? o.processes.map((p) => h("tr", {}, h("td", { class: "mono" }, p.pid ?? "–"), h("td", {}, p.state), h("td", { class: "num" }, p.rssMb !== undefined ? `${p.rssMb} MB` : "–")))
      : [h("tr", {}, h("td", { colspan: 3, class: "dim" }, "none running (one starts with the next message)"))]),
  );
  if ($("settings").childElementCount === 0) {
    $("settings").replaceChildren(...o.settings.map((s) => h("tr", { title: s.key }, h("td", {}, s.label), h("td", { class: "mono" }, s.value), h("td", { class: "dim" }, s.meaning))));
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
