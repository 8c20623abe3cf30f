import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import { calculateJwkThumbprint, createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from "jose";
import {
  ACCESS_TOKEN_LIFETIME_SECONDS,
  createAccessTokenProvider,
  DEFAULT_API_AUDIENCE,
  getAccessToken,
  WorkerKeyError,
} from "../src/runtime/index.js";
import { generateWorkerKeys, publicJwksFor, type GeneratedWorkerKeys } from "../src/runtime/workerKeys.js";
import { SETTINGS } from "../src/project/settings.js";

/** A clock tests move by hand (epoch ms). */
function manualClock(start = Date.UTC(2026, 0, 1, 12, 0, 0)) {
  let now = start;
  return { now: () => now, advanceSeconds: (seconds: number) => void (now += seconds * 1000) };
}

async function verify(token: string, keys: GeneratedWorkerKeys, audience = DEFAULT_API_AUDIENCE, at?: number) {
  return jwtVerify(token, createLocalJWKSet(keys.publicJwks as { keys: JWK[] }), {
    audience,
    issuer: `letsgo:${keys.kid}`,
    subject: "letsgo:worker",
    ...(at === undefined ? {} : { currentDate: new Date(at) }),
  });
}

function pkcs8Pem(keys: GeneratedWorkerKeys): string {
  return createPrivateKey({ key: JSON.parse(keys.privateKey), format: "jwk" })
    .export({ format: "pem", type: "pkcs8" })
    .toString();
}

describe("Function: generateWorkerKeys", () => {
  it("makes an ES256 pair whose kid is the RFC 7638 thumbprint of the public key", async () => {
    // Act
    const keys = await generateWorkerKeys();
    // Assess
    const [publicJwk] = keys.publicJwks.keys;
    assert.equal(keys.publicJwks.keys.length, 1);
    assert.equal(publicJwk?.kty, "EC");
    assert.equal(publicJwk?.crv, "P-256");
    assert.equal(publicJwk?.d, undefined, "the public JWKS must not carry the private part");
    assert.equal(publicJwk?.kid, keys.kid);
    assert.equal(publicJwk?.alg, "ES256");
    assert.equal(await calculateJwkThumbprint(publicJwk!, "sha256"), keys.kid);
    const privateJwk = JSON.parse(keys.privateKey) as JWK;
    assert.equal(typeof privateJwk.d, "string");
    assert.equal(privateJwk.kid, keys.kid);
  });

  it("gives the same kid and JWKS back from the stored private key", async () => {
    const keys = await generateWorkerKeys();
    assert.deepEqual(await publicJwksFor(keys.privateKey), { kid: keys.kid, publicJwks: keys.publicJwks });
    assert.equal((await publicJwksFor(pkcs8Pem(keys))).kid, keys.kid);
  });
});

describe("Function: createAccessTokenProvider", () => {
  it("signs a token the API can verify with the public JWKS, with the documented claims", async () => {
    // Prepare
    const keys = await generateWorkerKeys();
    const clock = manualClock();
    const provider = createAccessTokenProvider({ privateKey: keys.privateKey, now: clock.now });
    // Act
    const token = await provider.getAccessToken();
    // Assess
    const { payload, protectedHeader } = await verify(token, keys, DEFAULT_API_AUDIENCE, clock.now());
    assert.equal(protectedHeader.alg, "ES256");
    assert.equal(protectedHeader.kid, keys.kid);
    assert.equal(payload.sub, "letsgo:worker");
    assert.equal(payload.aud, "letsgo:service");
    assert.equal(payload.iss, `letsgo:${keys.kid}`);
    assert.equal(payload.iat, Math.floor(clock.now() / 1000));
  });

  it("expires exactly one hour after it is issued", async () => {
    const keys = await generateWorkerKeys();
    const token = await createAccessTokenProvider({ privateKey: keys.privateKey }).getAccessToken();
    const { payload } = await verify(token, keys);
    assert.equal(payload.exp! - payload.iat!, 3600);
    assert.equal(ACCESS_TOKEN_LIFETIME_SECONDS, 3600);
  });

  it("uses the given audience", async () => {
    const keys = await generateWorkerKeys();
    const token = await createAccessTokenProvider({ privateKey: keys.privateKey, audience: "https://api.example.com" }).getAccessToken();
    const { payload } = await verify(token, keys, "https://api.example.com");
    assert.equal(payload.aud, "https://api.example.com");
  });

  it("returns the cached token until 60 s before expiry, then a new one", async () => {
    // Prepare
    const keys = await generateWorkerKeys();
    const clock = manualClock();
    const provider = createAccessTokenProvider({ privateKey: keys.privateKey, now: clock.now });
    const first = await provider.getAccessToken();
    // Act + Assess: one second before the renewal point, still the same token
    clock.advanceSeconds(3600 - 60 - 1);
    assert.equal(await provider.getAccessToken(), first);
    // at the renewal point, a fresh token issued now
    clock.advanceSeconds(1);
    const second = await provider.getAccessToken();
    assert.notEqual(second, first);
    const { payload } = await verify(second, keys, DEFAULT_API_AUDIENCE, clock.now());
    assert.equal(payload.iat, Math.floor(clock.now() / 1000));
    assert.equal(await provider.getAccessToken(), second);
  });

  it("shares one signing between concurrent callers", async () => {
    const keys = await generateWorkerKeys();
    const provider = createAccessTokenProvider({ privateKey: keys.privateKey });
    const tokens = await Promise.all([provider.getAccessToken(), provider.getAccessToken(), provider.getAccessToken()]);
    assert.equal(new Set(tokens).size, 1);
  });

  const keyInputs: Array<[string, (keys: GeneratedWorkerKeys) => string]> = [
    ["a JWK JSON string", (keys) => keys.privateKey],
    ["a PKCS#8 PEM", pkcs8Pem],
    ["a PKCS#8 PEM on one line with literal \\n escapes", (keys) => pkcs8Pem(keys).trim().replace(/\n/g, "\\n")],
  ];
  for (const [name, toInput] of keyInputs) {
    it(`accepts the private key as ${name}`, async () => {
      const keys = await generateWorkerKeys();
      const token = await createAccessTokenProvider({ privateKey: toInput(keys) }).getAccessToken();
      assert.equal(decodeProtectedHeader(token).kid, keys.kid);
      await verify(token, keys);
    });
  }

  it("says to run `keys generate` when the key is missing", async () => {
    for (const privateKey of [undefined, "", "   "]) {
      await assert.rejects(createAccessTokenProvider({ privateKey }).getAccessToken(), (error: unknown) => {
        assert.ok(error instanceof WorkerKeyError);
        assert.match(error.message, /LETSGO_WORKER_PRIVATE_KEY is not set/);
        assert.match(error.message, /letsgo-worker keys generate/);
        return true;
      });
    }
  });

  const malformedKeys: Array<[string, (keys: GeneratedWorkerKeys) => string, RegExp]> = [
    ["random text", () => "not-a-key", /neither a PKCS#8 PEM/],
    ["broken JSON", () => "{\"kty\":", /does not parse/],
    ["a public JWK", (keys) => JSON.stringify(keys.publicJwks.keys[0]), /public key/],
    ["a JWK whose private part belongs to another key", (keys) => JSON.stringify({ ...JSON.parse(keys.privateKey), d: JSON.parse(otherPrivateJwk()).d }), /does not belong/],
    ["a JWK with a zero private part", (keys) => JSON.stringify({ ...JSON.parse(keys.privateKey), d: "AAAA" }), /does not belong|cannot sign|not a valid/],
    ["a public key PEM", () => generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ format: "pem", type: "spki" }).toString(), /public key/],
    ["a truncated PEM", (keys) => pkcs8Pem(keys).slice(0, 80), /not a valid private key/],
    ["an unsupported curve", () => generateKeyPairSync("ec", { namedCurve: "secp256k1" }).privateKey.export({ format: "pem", type: "pkcs8" }).toString(), /not supported/],
  ];
  for (const [name, toInput, reason] of malformedKeys) {
    it(`rejects ${name} with a clear WorkerKeyError`, async () => {
      const keys = await generateWorkerKeys();
      await assert.rejects(createAccessTokenProvider({ privateKey: toInput(keys) }).getAccessToken(), (error: unknown) => {
        assert.ok(error instanceof WorkerKeyError);
        assert.match(error.message, /LETSGO_WORKER_PRIVATE_KEY is not a usable private key/);
        assert.match(error.message, reason);
        assert.match(error.message, /letsgo-worker keys generate/);
        return true;
      });
    });
  }

  it("defaults the audience to the LETSGO_API_AUDIENCE setting's default", () => {
    assert.equal(DEFAULT_API_AUDIENCE, SETTINGS.LETSGO_API_AUDIENCE.default);
  });
});

describe("Function: getAccessToken", () => {
  it("reads the key and audience from the environment, following changes", async () => {
    // Prepare
    const saved = { key: process.env.LETSGO_WORKER_PRIVATE_KEY, audience: process.env.LETSGO_API_AUDIENCE };
    const first = await generateWorkerKeys();
    const second = await generateWorkerKeys();
    try {
      process.env.LETSGO_WORKER_PRIVATE_KEY = first.privateKey;
      process.env.LETSGO_API_AUDIENCE = "letsgo:test-api";
      // Act + Assess
      await verify(await getAccessToken(), first, "letsgo:test-api");
      process.env.LETSGO_WORKER_PRIVATE_KEY = second.privateKey;
      delete process.env.LETSGO_API_AUDIENCE;
      await verify(await getAccessToken(), second, DEFAULT_API_AUDIENCE);
      delete process.env.LETSGO_WORKER_PRIVATE_KEY;
      await assert.rejects(getAccessToken(), WorkerKeyError);
    } finally {
      restoreEnv("LETSGO_WORKER_PRIVATE_KEY", saved.key);
      restoreEnv("LETSGO_API_AUDIENCE", saved.audience);
    }
  });
});

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

function otherPrivateJwk(): string {
  return JSON.stringify(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" }));
}
