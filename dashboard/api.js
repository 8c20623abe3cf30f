// @ts-check
// The page's one way to the dev worker: each call names its route of the typed contract
// (src/dev/http/devApi.ts), so `npm run typecheck` holds the page and the server to it.

/** @typedef {import("../dist/dev/http/devApi.js").DevApi} DevApi */
/** @typedef {import("../dist/dev/http/devApi.js").LiveEvents} LiveEvents */

/**
 * @template {keyof DevApi} R
 * @typedef {(DevApi[R] extends { query: infer Q } ? { query?: Q } : {}) & (DevApi[R] extends { body: infer B } ? { body?: B } : {})} RequestOf
 */

/**
 * Call `route` ("GET /api/messages"...); resolves with its answer, or throws the worker's error in words.
 * @template {keyof DevApi} R
 * @param {R} route
 * @param {RequestOf<R>} [request]
 * @returns {Promise<DevApi[R]["response"]>}
 */
export async function api(route, request) {
  const [method, path] = route.split(" ");
  const { query, body } = /** @type {{ query?: Record<string, string | undefined>, body?: unknown }} */ (request ?? {});
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined && value !== "") params.set(key, value);
  const search = params.toString() ? `?${params}` : "";
  const response = await fetch(`${path}${search}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  /** @type {any} */
  let data;
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    data = { error: text };
  }
  if (!response.ok) throw new Error(data.error ?? `HTTP ${response.status}`);
  return data;
}

/**
 * Follow the live stream (GET /api/events): each event's data, typed by its name.
 * @param {{ [E in keyof LiveEvents]: (data: LiveEvents[E]) => void } & { open(): void, error(): void }} on
 */
export function followLive(on) {
  const source = new EventSource("/api/events");
  source.addEventListener("open", () => on.open());
  source.addEventListener("error", () => on.error());
  source.addEventListener("overview", (event) => on.overview(JSON.parse(event.data)));
  source.addEventListener("messages", (event) => on.messages(JSON.parse(event.data)));
}
