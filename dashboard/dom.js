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
/** @param {number | undefined} ms */
export const time = (ms) => (ms ? new Date(ms).toLocaleTimeString([], { hour12: false }) : "");
/** @param {number | undefined} ms */
export const dateTime = (ms) => (ms ? new Date(ms).toLocaleString([], { hour12: false }) : "");
/** @param {string} id */
export const messageLink = (id, label = short(id)) => h("a", { href: `#message/${id}`, class: "mono", title: id }, label);
/** @param {string} status */
export const statusBadge = (status) => h("span", { class: `status ${status}` }, status);
