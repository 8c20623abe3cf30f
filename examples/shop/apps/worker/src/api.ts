/**
 * Calling your API from the worker. Requests carry a short-lived access token
 * (a JWT signed with LETSGO_WORKER_PRIVATE_KEY, subject "letsgo:worker"); your API
 * verifies it against the public key printed by `letsgo-worker keys generate`.
 */
import { getAccessToken } from "letsgo-worker/runtime";

export { getAccessToken };

/** Call `${LETSGO_API_URL}${path}` with the worker's access token. Throws on a non-2xx reply. */
export async function callApi(path: string, init: RequestInit = {}): Promise<Response> {
  const baseUrl = process.env.LETSGO_API_URL ?? "http://localhost:3001";
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${await getAccessToken()}`);
  if (init.body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
  const response = await fetch(new URL(path, baseUrl), { ...init, headers });
  if (!response.ok) {
    throw new Error(`${init.method ?? "GET"} ${path} failed: HTTP ${response.status} ${await response.text()}`);
  }
  return response;
}
