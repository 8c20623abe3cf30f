/**
 * What a message carries never reaches the terminal raw: escape sequences,
 * NUL and bidi overrides in a type or an error are shown escaped, by the dev
 * console and by `dlq list`.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { attachConsole } from "../src/dev/console/consoleLog.js";
import { printable, printableLines } from "../src/dev/console/printable.js";
import { runCli } from "./support/cli.ts";
import { post, useDevWorker, waitForEvent } from "./support/devServer.ts";

const HOSTILE = "Evil\u001b]0;pwned\u0007\u001b[2J\u0000\u202eTXT";

describe("Function: printable", () => {
  it("escapes control characters and bidi overrides, keeping ordinary text (and, for lines, newlines)", () => {
    assert.equal(printable(HOSTILE), "Evil\\u001b]0;pwned\\u0007\\u001b[2J\\u0000\\u202eTXT");
    assert.equal(printable("OrderNew — Zoë 🚀"), "OrderNew — Zoë 🚀");
    assert.equal(printable("a\nb"), "a\\u000ab");
    assert.equal(printableLines("a\n\tb\u001b"), "a\n\tb\\u001b");
  });
});

describe("dev console and dlq list", () => {
  const dev = useDevWorker();

  it("show a hostile type and error escaped", async () => {
    const { worker } = await dev.start({ env: { LETSGO_WORKER_MAX_RECEIVE_COUNT: 1 }, handler: `export async function handler() { throw new Error(${JSON.stringify(HOSTILE)}); }` });
    let text = "";
    const identity = (t: string) => t;
    const detach = attachConsole(worker, { json: false, out: (t) => (text += t), style: { bold: identity, dim: identity, green: identity, yellow: identity, red: identity, cyan: identity }, projectDir: worker.entry, watching: false });
    const dead = waitForEvent(worker, "message:dead");
    assert.equal((await post(worker.url, { type: HOSTILE, payload: {} })).status, 201);
    await dead;
    detach();
    assert.doesNotMatch(text, /[\u0000\u0007\u001b\u202e]/);
    assert.match(text, /Evil\\u001b\]0;pwned\\u0007/);

    const list = await runCli(["dlq", "list", "--url", worker.url]);
    assert.equal(list.code, 0, list.stderr);
    assert.doesNotMatch(list.stdout, /[\u0000\u0007\u001b\u202e]/);
    assert.match(list.stdout, /Evil\\u001b\]0;pwned/);
  });
});
