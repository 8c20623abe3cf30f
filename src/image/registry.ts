/**
 * A registry's own API (Docker Registry HTTP API v2), read-only: manifests and
 * blobs, as a ManifestSource. Anonymous first; a registry that answers 401
 * asking for Basic credentials (ECR does) gets the ones `login` returns.
 */
import type { FetchedManifest, ManifestSource } from "./manifest.js";
import { MANIFEST_MEDIA_TYPES } from "./manifest.js";

export interface RegistryCredentials {
  username: string;
  password: string;
}

const TIMEOUT_MS = 15_000;

/** The registry's HTTP base: plain HTTP for loopback addresses, as Docker itself allows. */
export function registryBaseUrl(registry: string): string {
  if (/^https?:\/\//.test(registry)) return registry.replace(/\/$/, "");
  const host = registry.split("/")[0]!;
  return /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(host) ? `http://${host}` : `https://${host}`;
}

/**
 * Manifests and blobs of `name` (the repository path after the host) at
 * `host`. `login` is asked only when the registry wants credentials.
 */
export function registryManifestSource(host: string, name: string, login?: () => Promise<RegistryCredentials>): ManifestSource {
  const base = `${registryBaseUrl(host)}/v2/${name}`;
  let authorization: string | undefined;

  const get = async (url: string, accept?: string): Promise<Response> => {
    const headers: Record<string, string> = accept ? { accept } : {};
    let response = await send(url, { ...headers, ...(authorization ? { authorization } : {}) });
    if (response.status === 401 && !authorization) {
      const challenge = response.headers.get("www-authenticate") ?? "";
      if (!login || !/^basic\b/i.test(challenge)) {
        throw new Error(`${host} wants a login${challenge ? ` (${challenge.split(" ")[0]})` : ""} that deploy cannot give it`);
      }
      const credentials = await login();
      authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
      response = await send(url, { ...headers, authorization });
    }
    return response;
  };

  return {
    async manifest(reference: string): Promise<FetchedManifest | undefined> {
      const response = await get(`${base}/manifests/${reference}`, MANIFEST_MEDIA_TYPES.join(", "));
      if (response.status === 404) return undefined;
      if (!response.ok) throw new Error(`${host} answered HTTP ${response.status} for the manifest`);
      const mediaType = response.headers.get("content-type")?.split(";")[0]?.trim();
      return { body: await response.text(), ...(mediaType ? { mediaType } : {}) };
    },
    async blob(digest: string): Promise<Buffer> {
      const response = await get(`${base}/blobs/${digest}`);
      if (!response.ok) throw new Error(`${host} answered HTTP ${response.status} for the config blob ${digest}`);
      return Buffer.from(await response.arrayBuffer());
    },
  };
}

/**
 * One GET. Redirects (blob storage behind ECR and most registries) are followed
 * by hand, without the registry's Authorization header: the storage's signed
 * URL carries its own, and would refuse a second one.
 */
async function send(url: string, headers: Record<string, string>): Promise<Response> {
  const signal = AbortSignal.timeout(TIMEOUT_MS);
  let response = await fetch(url, { headers, redirect: "manual", signal });
  for (let hops = 0; hops < 5 && response.status >= 300 && response.status < 400; hops++) {
    const location = response.headers.get("location");
    if (!location) break;
    const next = new URL(location, url);
    const sameOrigin = next.origin === new URL(url).origin;
    const { authorization, ...rest } = headers;
    response = await fetch(next, { headers: sameOrigin && authorization ? headers : rest, redirect: "manual", signal });
    url = next.toString();
  }
  return response;
}
