/**
 * Access tokens the worker sends to the user's API: a JWT signed with the worker's
 * private key, valid one hour, cached and renewed a minute before it expires.
 */
import { SignJWT } from "jose";
import { loadWorkerKey, PRIVATE_KEY_ENV, type WorkerSigningKey } from "./workerKeys.js";

export const ACCESS_TOKEN_SUBJECT = "letsgo:worker";
/** Same default as LETSGO_API_AUDIENCE in src/project/settings.ts (the runtime cannot import it). */
export const DEFAULT_API_AUDIENCE = "letsgo:service";
export const ACCESS_TOKEN_LIFETIME_SECONDS = 3600;
export const ACCESS_TOKEN_RENEW_BEFORE_SECONDS = 60;

export interface AccessTokenProviderOptions {
  /** PKCS#8 PEM (literal `\n` escapes allowed) or JWK JSON. */
  privateKey: string | undefined;
  /** `aud` claim. Default: "letsgo:service". */
  audience?: string;
  /** Clock in epoch milliseconds. Default: Date.now. */
  now?: () => number;
}

export interface AccessTokenProvider {
  getAccessToken(): Promise<string>;
}

interface CachedToken {
  token: string;
  expiresAt: number; // epoch seconds
}

export function createAccessTokenProvider(options: AccessTokenProviderOptions): AccessTokenProvider {
  const audience = options.audience || DEFAULT_API_AUDIENCE;
  const now = options.now ?? Date.now;
  let key: Promise<WorkerSigningKey> | undefined;
  let cached: CachedToken | undefined;
  let signing: Promise<CachedToken> | undefined;

  async function sign(issuedAt: number): Promise<CachedToken> {
    key ??= loadWorkerKey(options.privateKey);
    const { key: privateKey, alg, kid } = await key;
    const expiresAt = issuedAt + ACCESS_TOKEN_LIFETIME_SECONDS;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg, kid, typ: "JWT" })
      .setSubject(ACCESS_TOKEN_SUBJECT)
      .setAudience(audience)
      .setIssuer(`letsgo:${kid}`)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt) // a number is an absolute time in epoch seconds
      .sign(privateKey);
    return { token, expiresAt };
  }

  return {
    async getAccessToken() {
      const nowSeconds = Math.floor(now() / 1000);
      if (cached && nowSeconds < cached.expiresAt - ACCESS_TOKEN_RENEW_BEFORE_SECONDS) return cached.token;
      // Concurrent callers share one signing instead of each making a token.
      signing ??= sign(nowSeconds).finally(() => {
        signing = undefined;
      });
      cached = await signing;
      return cached.token;
    },
  };
}

let fromEnv: { privateKey: string | undefined; audience: string | undefined; provider: AccessTokenProvider } | undefined;

/** A token signed with LETSGO_WORKER_PRIVATE_KEY for audience LETSGO_API_AUDIENCE. */
export function getAccessToken(): Promise<string> {
  const privateKey = process.env[PRIVATE_KEY_ENV];
  const audience = process.env.LETSGO_API_AUDIENCE;
  if (!fromEnv || fromEnv.privateKey !== privateKey || fromEnv.audience !== audience) {
    fromEnv = { privateKey, audience, provider: createAccessTokenProvider({ privateKey, audience }) };
  }
  return fromEnv.provider.getAccessToken();
}
