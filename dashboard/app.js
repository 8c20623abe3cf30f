// @ts-check
// letsgo-worker dev dashboard. Plain DOM, no dependencies: served by `dev` itself, works offline.
// One module per view (views/); this one routes between them and feeds them the live stream.
// Every value from the worker is put in the page as text (never as HTML): message bodies are the user's data.
import { api, followLive } from "./api.js";
import { $ } from "./dom.js";
import { loadDlq } from "./views/dlq.js";
import { loadMessages, mergeMessages } from "./views/messages.js";
import { loadSeries, showOverview } from "./views/overview.js";
import { loadSchedule } from "./views/schedule.js";
import { loadSend } from "./views/send.js";
import { loadStory, storyId } from "./views/story.js";
import { loadStripe } from "./views/stripe.js";
import { loadDeployed } from "./views/deployed.js";

const VIEWS = ["overview", "messages", "message", "dlq", "send", "schedule", "stripe", "deployed"];
let currentView = "overview";

/** Each view's loader, run when it is shown; `arg` is what follows the view in the hash (#message/<id>). */
/** @type {Record<string, (arg: string) => Promise<unknown>>} */
const LOADERS = {
  messages: loadMessages,
  message: (arg) => loadStory(decodeURIComponent(arg)),
  dlq: loadDlq,
  send: loadSend,
  schedule: loadSchedule,
  stripe: loadStripe,
  deployed: loadDeployed,
};

function route() {
  const [view = "", arg = ""] = location.hash.replace(/^#/, "").split("/");
  currentView = VIEWS.includes(view) ? view : "overview";
  for (const section of document.querySelectorAll("main > section")) {
    if (section instanceof HTMLElement) section.hidden = section.dataset.view !== currentView;
  }
  for (const link of document.querySelectorAll(".top nav a")) {
    if (!(link instanceof HTMLElement)) continue;
    const active = link.dataset.view === currentView || (currentView === "message" && link.dataset.view === "messages");
    if (active) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  LOADERS[currentView]?.(arg).catch((error) => console.error(error));
}
let focusSearchAfterRoute = false;
window.addEventListener("hashchange", () => {
  route();
  // Keyboard users land on the new view's content, or on the search when "/" brought them here.
  if (focusSearchAfterRoute) $("filter-q").focus();
  else $("main").focus({ preventScroll: true });
  focusSearchAfterRoute = false;
});

// "/" focuses the message search, from anywhere but a field.
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement?.tagName ?? "")) return;
  event.preventDefault();
  if (currentView === "messages") $("filter-q").focus();
  else {
    focusSearchAfterRoute = true;
    location.hash = "#messages";
  }
});

function connect() {
  const live = $("live");
  followLive({
    open() {
      live.textContent = "live";
      live.className = "live on";
    },
    error() {
      live.textContent = "reconnecting…";
      live.className = "live off";
    },
    overview: showOverview,
    messages(changed) {
      mergeMessages(changed, currentView === "messages");
      if (currentView === "message" && changed.some((m) => m.id === storyId)) loadStory(storyId).catch(() => {});
      if (currentView === "dlq" && changed.some((m) => m.status === "dead" || m.status === "redriven")) loadDlq().catch(() => {});
    },
  });
}

api("GET /api/overview").then(showOverview).catch(() => {});
loadSeries().catch(() => {});
connect();
route();
