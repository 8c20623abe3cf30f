/**
 * The worker's signing key: reading LETSGO_WORKER_PRIVATE_KEY (PKCS#8 PEM or JWK
 * JSON) and generating a new pair for `letsgo-worker keys generate`. Both sides
 * compute the key id the same way: the RFC 7638 thumbprint of the public key.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type JsonWebKey, type KeyObject } from "node:crypto";
import { calculateJwkThumbprint, type JWK } from "jose";
import { WorkerKeyError } from "./errors.js";

export const PRIVATE_KEY_ENV = "LETSGO_WORKER_PRIVATE_KEY";

export interface WorkerSigningKey {
  key: KeyObject;
  /** JWS algorithm that fits the key type (ES256 for the keys we generate). */
  alg: string;
  /** RFC 7638 SHA-256 thumbprint of the public key. */
  kid: string;
  publicJwk: JWK;
}

export interface PublicJwks {
  keys: JWK[];
}

export interface GeneratedWorkerKeys {
  /** What to store in LETSGO_WORKER_PRIVATE_KEY: a private JWK as JSON. Secret. */
  privateKey: string;
  /** What the API verifies tokens with. */
  publicJwks: PublicJwks;
  kid: string;
}

const FIX = "Run `letsgo-worker keys generate` to create a key pair and store it in apps/worker/.env.";

export async function loadWorkerKey(privateKey: string | undefined): Promise<WorkerSigningKey> {
  const text = privateKey?.trim() ?? "";
  if (text === "") throw new WorkerKeyError(`${PRIVATE_KEY_ENV} is not set, so the worker cannot sign access tokens. ${FIX}`);
  return describeKey(parsePrivateKey(text));
}

/** The public JWKS and key id for a stored private key (to show or publish it again). */
export async function publicJwksFor(privateKey: string): Promise<{ kid: string; publicJwks: PublicJwks }> {
  const { kid, publicJwk } = await loadWorkerKey(privateKey);
  return { kid, publicJwks: { keys: [publicJwk] } };
}

/** A new ES256 (P-256) key pair. */
export async function generateWorkerKeys(): Promise<GeneratedWorkerKeys> {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const { kid, alg, publicJwk } = await describeKey(privateKey);
  const privateJwk = { ...(privateKey.export({ format: "jwk" }) as JWK), kid, alg, use: "sig" };
  return { privateKey: JSON.stringify(privateJwk), publicJwks: { keys: [publicJwk] }, kid };
}

async function describeKey(key: KeyObject): Promise<WorkerSigningKey> {
  const alg = algorithmFor(key);
  const publicKey = createPublicKey(key);
  checkPairMatches(key, publicKey);
  const publicJwk = publicKey.export({ format: "jwk" }) as JWK;
  const kid = await calculateJwkThumbprint(publicJwk, "sha256");
  return { key, alg, kid, publicJwk: { ...publicJwk, kid, alg, use: "sig" } };
}

function parsePrivateKey(text: string): KeyObject {
  if (text.startsWith("{")) {
    let jwk: JWK;
    try {
      jwk = JSON.parse(text) as JWK;
    } catch (error) {
      throw malformed(`it looks like JWK JSON but does not parse (${(error as Error).message})`, error);
    }
    if (typeof jwk.d !== "string") throw malformed("the JWK has no private part (`d`): it is a public key");
    try {
      return createPrivateKey({ key: jwk as JsonWebKey, format: "jwk" });
    } catch (error) {
      throw malformed(`the JWK is not a valid private key (${(error as Error).message})`, error);
    }
  }
  if (text.includes("-----BEGIN")) {
    // .env files and CI secrets often carry a PEM on one line with literal "\n" escapes.
    const pem = text.replace(/\\r/g, "").replace(/\\n/g, "\n");
    if (/-----BEGIN [A-Z ]*PUBLIC KEY-----/.test(pem)) throw malformed("it is a public key; the private key is needed");
    try {
      return createPrivateKey({ key: pem, format: "pem" });
    } catch (error) {
      throw malformed(`the PEM is not a valid private key (${(error as Error).message})`, error);
    }
  }
  throw malformed("it is neither a PKCS#8 PEM (-----BEGIN PRIVATE KEY-----) nor a JWK JSON object");
}

/**
 * Node accepts a JWK whose private part does not belong to its public part; every
 * token signed with it would then fail verification at the API. Catch that here.
 */
function checkPairMatches(privateKey: KeyObject, publicKey: KeyObject): void {
  const digest = privateKey.asymmetricKeyType === "ed25519" ? null : "sha256";
  const probe = Buffer.from("letsgo-worker key check");
  let matches = false;
  try {
    matches = verify(digest, probe, publicKey, sign(digest, probe, privateKey));
  } catch (error) {
    throw malformed(`the key cannot sign (${(error as Error).message})`, error);
  }
  if (!matches) throw malformed("its private part does not belong to its public part (x, y)");
}

function algorithmFor(key: KeyObject): string {
  const type = key.asymmetricKeyType;
  if (type === "ec") {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const alg = curve === "prime256v1" ? "ES256" : curve === "secp384r1" ? "ES384" : curve === "secp521r1" ? "ES512" : undefined;
    if (alg) return alg;
    throw malformed(`EC curve ${curve ?? "unknown"} is not supported (use P-256)`);
  }
  if (type === "rsa") return "RS256";
  if (type === "ed25519") return "EdDSA";
  throw malformed(`${type ?? "this"} keys are not supported (use an ES256 key)`);
}

function malformed(reason: string, cause?: unknown): WorkerKeyError {
  return new WorkerKeyError(`${PRIVATE_KEY_ENV} is not a usable private key: ${reason}. ${FIX}`, { cause });
}
