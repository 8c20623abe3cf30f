// @ts-check
// The page's small DOM kit: elements by id, elements made with text (never HTML: message bodies are
// the user's data), and the formats every view shares.

/** @param {string} id */
export function $(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from index.html`);
  return el;
}

/**
 * An element of a known kind by id: `byId("send-delay", HTMLInputElement)`.
 * @template {HTMLElement} T
 * @param {string} id
 * @param {{ new (): T }} kind
 * @returns {T}
 */
export function byId(id, kind) {
  const el = $(id);
  if (!(el instanceof kind)) throw new Error(`#${id} is not a ${kind.name}`);
  return el;
}

// Text from messages and handlers, shown as the terminal shows it (src/dev/console/printable.ts): control
// characters and bidi overrides, which could hide or reorder what the page says, as visible escapes.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** @param {unknown} text */
export const shown = (text) => String(text).replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

/** @typedef {Node | string | number | null | undefined | false} Leaf */
/** @typedef {Leaf | Leaf[] | Leaf[][]} Child What `h` and `say` take: text, elements, and lists of them (flattened). */

/**
 * An element with attributes (on* as listeners) and children (strings become text).
 * @param {string} tag
 * @param {Record<string, unknown>} [props]
 * @param {Child[]} children
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), /** @type {EventListener} */ (value));
    else if (key === "class") el.className = String(value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child !== undefined && child !== null && child !== false) el.append(child instanceof Node ? child : shown(child));
  }
  return el;
}

/**
 * A result line: text, or text and links; red when it is an error.
 * @param {HTMLElement} el
 * @param {string | Child[]} text
 */
export function say(el, text, isError = false) {
  el.textContent = "";
  el.classList.toggle("error", isError);
  if (Array.isArray(text)) el.append(...text.flat(Infinity).map((part) => (part instanceof Node ? part : shown(part ?? ""))));
  else el.textContent = shown(text);
}

/** @param {unknown} error */
export const messageOf = (error) => (error instanceof Error ? error.message : String(error));

/** @param {string} id */
export const short = (id) => id.slice(0, 8);
/** @param {unknown} n */
export const number = (n) => (typeof n === "number" ? n.toLocaleString("en") : "–");
// One date format everywhere: local time with the zone; the ISO time on hover.
const DATE = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false, timeZoneName: "short" });

/**
 * A moment as the page shows it: `<time>` in local time with its zone, the ISO time as its title.
 * @param {number | undefined} ms
 */
export function at(ms) {
  if (!ms) return h("span", { class: "dim" }, "–");
  const iso = new Date(ms).toISOString();
  return h("time", { datetime: iso, title: iso }, DATE.format(ms));
}

/**
 * A duration in words: 850 ms, 12 s, 6 min, 2 h 5 min.
 * @param {number} ms
 */
export function duration(ms) {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 90) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
}

/**
 * An SVG element (charts, the timeline): attributes, not inline styles, so the page's CSP holds.
 * @param {string} tag
 * @param {Record<string, string | number>} [attrs]
 * @param {Array<SVGElement | string>} children
 */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  for (const child of children) el.append(child);
  return el;
}

/** @param {string} id */
export const messageLink = (id, label = short(id)) => h("a", { href: `#message/${id}`, class: "mono", title: id }, label);
/** @param {string} status */
export const statusBadge = (status) => h("span", { class: `status ${status}` }, status);
