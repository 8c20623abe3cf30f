/**
 * The real binaries end to end: `letsgo-worker dev` on a real scaffold, and
 * `letsgo-worker stripe trigger <type>` for every Stripe event type the scaffold
 * has a stub for; each event must reach its own (edited) stub.
 * Needs the compiled CLI (`npm test` builds it first).
 */
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { STRIPE_EVENT_TYPES, stripeHandlerName } from "../src/project/stripeEvents.js";
import { runCli } from "./support/cli.js";
import { startDevCli, type DevCli } from "./support/devServer.js";
import { readCalls, recordStripeStubs, scaffoldProject, type ScaffoldedProject } from "./support/scaffold.js";

let project: ScaffoldedProject | undefined;
let cli: DevCli | undefined;
afterEach(async () => {
  await cli?.stop();
  await project?.cleanup();
  cli = undefined;
  project = undefined;
});

describe("stripe trigger → dev POST /stripe → handlers/stripe/*", () => {
  it("reaches the stub of every Stripe event type the scaffold handles", async () => {
    project = await scaffoldProject({ STRIPE_WEBHOOK_SECRET: "whsec_trigger_test" });
    const stubs = await recordStripeStubs(project);
    assert.deepEqual([...stubs].sort(), STRIPE_EVENT_TYPES.map(stripeHandlerName).sort());
    cli = await startDevCli(project.dir, ["--no-watch", "--no-schedule"]);
    const ready = cli.lines.find((line) => line.event === "ready")!;
    assert.equal(ready.handler.loaded, true, ready.handler.error);

    const sent = new Map<string, string>();
    const pending = [...STRIPE_EVENT_TYPES];
    // Three CLIs at a time: each is a Node start-up.
    await Promise.all(
      [0, 1, 2].map(async () => {
        for (let type = pending.shift(); type !== undefined; type = pending.shift()) {
          const result = await runCli(["stripe", "trigger", type, "--cwd", project!.dir, "--url", cli!.url, "--json"]);
          assert.equal(result.code, 0, `${type}: ${result.stderr}`);
          const reply = JSON.parse(result.stdout);
          assert.equal(reply.status, 200, type);
          sent.set(reply.eventId, type);
        }
      }),
    );
    let handled = 0;
    await cli.waitForLine((line) => line.event === "message:handled" && ++handled === STRIPE_EVENT_TYPES.length);

    const calls = await readCalls(project.log);
    assert.equal(calls.length, STRIPE_EVENT_TYPES.length);
    for (const call of calls) {
      const type = sent.get(call.id);
      assert.ok(type, `event ${call.id} was sent`);
      assert.equal(call.eventType, type);
      assert.equal(call.handler, stripeHandlerName(type), `${type} reached its own stub`);
      assert.equal(call.messageType, "letsgo:stripe");
      assert.equal(call.stripeMode, "test");
    }
    const received = cli.lines.filter((line) => line.event === "stripe:received");
    assert.equal(received.length, STRIPE_EVENT_TYPES.length);
    assert.ok(received.every((line) => line.duplicate === false));
  });
});
