/**
 * The dev worker refuses requests a web page could send it: a Host that is not
 * a loopback name (DNS rebinding) or an Origin that is not loopback (a cross-site
 * simple POST). Real HTTP with the headers browsers send; clients that send no
 * Origin (curl, the CLI, stripe listen, @letsgo/queue) keep working.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import os from "node:os";
import { allowedHostNames, hostOfHeader, isLoopbackName, requestGuard } from "../src/dev/http/requestGuard.js";
import { RECORDING_HANDLER, request, useDevWorker } from "./support/devServer.js";

const dev = useDevWorker();

/** A raw request with exactly these headers (fetch will not let a caller set Host). */
function send(url: string, method: string, path: string, headers: Record<string, string>, body = ""): Promise<{ status: number; body: any }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, method, path, headers: { "content-length": Buffer.byteLength(body), ...headers } }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : null }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const MESSAGE = JSON.stringify({ type: "A", payload: {} });

describe("Function: requestGuard", () => {
  it("reads Host headers with and without a port", () => {
    assert.equal(hostOfHeader("127.0.0.1:3002"), "127.0.0.1");
    assert.equal(hostOfHeader("LOCALHOST"), "localhost");
    assert.equal(hostOfHeader("[::1]:3002"), "::1");
    assert.equal(hostOfHeader("evil.example:3002"), "evil.example");
    assert.equal(hostOfHeader("a b"), undefined);
  });

  it("knows loopback names", () => {
    for (const name of ["localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]"]) assert.ok(isLoopbackName(name), name);
    for (const name of ["localhost.evil.example", "128.0.0.1", "0.0.0.0", "example.com", "::"]) assert.ok(!isLoopbackName(name), name);
  });

  it("allows the exposed address, or every address of the machine on a wildcard", () => {
    assert.deepEqual([...allowedHostNames("127.0.0.1")], []);
    assert.deepEqual([...allowedHostNames("192.168.1.20")], ["192.168.1.20"]);
    assert.deepEqual([...allowedHostNames("0.0.0.0", ["devbox", "10.0.0.5", "fe80::1"])], ["devbox", "10.0.0.5", "fe80::1"]);
    const guard = requestGuard("192.168.1.20");
    assert.equal(guard({ host: "192.168.1.20:3002" }), undefined);
    assert.match(guard({ host: "evil.example" })!, /Host header/);
    assert.match(guard({ host: "192.168.1.20:3002", origin: "http://192.168.1.20:3000" })!, /Origin header/);
  });

  it("allows loopback origins and no origin; refuses others, null included", () => {
    const guard = requestGuard("127.0.0.1");
    assert.equal(guard({ host: "localhost:3002" }), undefined);
    assert.equal(guard({}), undefined);
    for (const origin of ["http://localhost:3000", "https://127.0.0.1", "http://[::1]:8080"]) assert.equal(guard({ host: "localhost", origin }), undefined, origin);
    for (const origin of ["https://evil.example", "null", "http://localhost.evil.example", "file://"]) {
      assert.match(guard({ host: "localhost", origin })!, /Origin header/, origin);
    }
  });
});

describe("dev worker request checks", () => {
  it("refuses a cross-site POST, redrive or purge and a rebound Host with 403 JSON, and changes nothing", async () => {
    const project = await dev.project({ handler: RECORDING_HANDLER });
    const worker = await dev.worker({ projectDir: project.dir, watch: false });
    const before = (await request(worker.url, "GET", "/stats")).body;
    const port = worker.port;
    const refused: Array<[string, string, string, Record<string, string>, string?]> = [
      ["simple cross-site POST", "POST", "/", { origin: "https://evil.example", "content-type": "text/plain", host: `127.0.0.1:${port}` }, MESSAGE],
      ["cross-site purge", "DELETE", "/dlq", { origin: "https://evil.example", host: `localhost:${port}` }],
      ["cross-site redrive", "POST", "/dlq/redrive", { origin: "https://evil.example", host: `localhost:${port}` }],
      ["sandboxed page", "POST", "/", { origin: "null", host: `localhost:${port}` }, MESSAGE],
      ["DNS rebinding", "POST", "/", { host: `evil.example:${port}` }, MESSAGE],
      ["DNS rebinding on a read", "GET", "/dlq", { host: "evil.example" }],
    ];
    for (const [name, method, path, headers, body] of refused) {
      const reply = await send(worker.url, method, path, headers, body);
      assert.equal(reply.status, 403, name);
      assert.match(reply.body.error, /^Refused: /, name);
    }
    assert.deepEqual((await request(worker.url, "GET", "/stats")).body, before);

    const allowed: Array<[string, Record<string, string>]> = [
      ["curl to 127.0.0.1", { host: `127.0.0.1:${port}`, "content-type": "application/x-www-form-urlencoded" }],
      ["localhost without a port", { host: "localhost" }],
      ["[::1]", { host: `[::1]:${port}` }],
      ["the user's app in a browser on localhost", { host: `localhost:${port}`, origin: "http://localhost:3000" }],
    ];
    for (const [name, headers] of allowed) {
      const reply = await send(worker.url, "POST", "/", headers, MESSAGE);
      assert.equal(reply.status, 201, name);
    }
    // fetch (as the CLI and @letsgo/queue-style server code use) sends no Origin.
    assert.equal((await fetch(`${worker.url}/`, { method: "POST", body: MESSAGE })).status, 201);
  });

  it("exposed with --host 0.0.0.0, also answers requests addressed to this machine's name", async () => {
    const project = await dev.project({ handler: RECORDING_HANDLER });
    const worker = await dev.worker({ projectDir: project.dir, host: "0.0.0.0", watch: false });
    const port = worker.port;
    assert.equal((await send(worker.url, "GET", "/health", { host: `${os.hostname()}:${port}` })).status, 200);
    assert.equal((await send(worker.url, "GET", "/health", { host: `127.0.0.1:${port}` })).status, 200);
    assert.equal((await send(worker.url, "GET", "/health", { host: `evil.example:${port}` })).status, 403);
    const crossSite = await send(worker.url, "POST", "/", { host: `${os.hostname()}:${port}`, origin: "https://evil.example" }, MESSAGE);
    assert.equal(crossSite.status, 403);
  });
});
