/**
 * The dev dashboard in a real browser: Debian's chromium driven by
 * playwright-core, against the real `letsgo-worker dev` (the CLI, as a child
 * process) on a copy of the bundled example. A person's path through it: send
 * a good and a failing message, watch the counts change without a reload, open
 * the failing message's story (every attempt, the stack, the output), redrive
 * it from the DLQ, replay a handled message with an edited payload (and see a
 * bad edit refused with the types' words), run the schedule now, send a Stripe
 * test event; a message that fails twice then succeeds, read as a timeline; a
 * search by a payload value whose counts follow the filter. Each view is saved
 * as a screenshot (LETSGO_SCREENSHOTS, default .test-output/screenshots).
 */
import assert from "node:assert/strict";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { copyExample, launchBrowser } from "./support/browser.js";
import { REPO_ROOT } from "./support/cli.js";
import { startDevCli, type DevCli } from "./support/devServer.js";

// The functions given to page.waitForFunction/evaluate run in the page, where these exist;
// declared here (not with the DOM lib) so the rest of the tests keep Node's types alone.
declare const document: any;
declare function getComputedStyle(element: unknown): { backgroundColor: string };

const SHOTS = path.resolve(REPO_ROOT, process.env.LETSGO_SCREENSHOTS ?? ".test-output/screenshots");
/** Generous: two cores shared with other work. Every wait is for a state, never a fixed time. */
const WAIT_MS = 60_000;

describe("dev dashboard in a real browser", { timeout: 300_000 }, () => {
  let projectDir: string;
  let dev: DevCli;
  let browser: Browser;
  let page: Page;

  before(async () => {
    projectDir = await copyExample("letsgo-dashboard-");
    // A flaky order: it fails until its third receive (the receive count SQS gives the record).
    const handlerFile = path.join(projectDir, "apps/worker/src/handlers/orderNewHandler.ts");
    const handler = await readFile(handlerFile, "utf8");
    const flaky = `const { orderId, customerId, totalCents } = message.payload;
  const receives = Number(event.Records.find((record) => record.body.includes(orderId))?.attributes.ApproximateReceiveCount ?? 1);
  if (orderId.startsWith("o_flaky") && receives < 3) throw new Error(\`Order \${orderId} is not ready yet (receive \${receives})\`);`;
    await writeFile(handlerFile, handler.replace("const { orderId, customerId, totalCents } = message.payload;", flaky));
    await mkdir(SHOTS, { recursive: true });
    // Three receives and 2 s of visibility: the failing order reaches the DLQ within seconds, the flaky one is handled on its third.
    dev = await startDevCli(projectDir, ["--max-receive-count", "3", "--visibility-timeout", "2", "--function-timeout", "1", "--batching-window", "0"]);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.setDefaultTimeout(WAIT_MS);
    await page.goto(dev.url);
  });

  after(async () => {
    await browser?.close();
    await dev?.stop();
    if (projectDir) await rm(projectDir, { recursive: true, force: true });
  });

  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  const view = async (name: string) => {
    await page.click(`.top nav a[data-view="${name}"]`);
    await page.waitForSelector(`#view-${name}:not([hidden])`);
  };
  const numberIn = async (selector: string) => Number((await page.textContent(selector))!.replace(/,/g, ""));

  let goodId = "";
  let failingId = "";

  it("serves the page from dev itself, and goes live over Server-Sent Events", async () => {
    await page.waitForSelector("#live.on");
    assert.equal(await page.title(), "letsgo-worker dev");
    // The settings in force are shown in words, with units.
    await page.waitForSelector("#settings tr");
    const settings = (await page.textContent("#settings"))!;
    assert.match(settings, /Max receive count\s*3/);
    assert.match(settings, /Visibility timeout\s*2 s\s*Seconds a received message stays invisible/);
    // The charts draw the last minutes (sampled since dev started, not since the page opened).
    await page.waitForFunction(() => document.querySelectorAll("#charts figure svg polyline").length === 4);
    // A favicon, and an empty DLQ whose buttons cannot act.
    const icon = await fetch(`${dev.url}/favicon.ico`);
    assert.equal(icon.status, 200);
    assert.equal(icon.headers.get("content-type"), "image/svg+xml");
    await view("dlq");
    await page.waitForFunction(() => /empty/.test(document.querySelector("#dlq-rows")?.textContent ?? ""));
    assert.equal(await page.isDisabled("#redrive-all"), true);
    assert.equal(await page.isDisabled("#purge"), true);
    await view("overview");
  });

  it("sends a good and a failing message from the Send form; the counts change without a reload", async () => {
    const handledBefore = (await numberIn("#stat-processed")) || 0; // "–" until the first overview
    await view("send");
    await page.waitForSelector('#send-type option[value="OrderNew"]', { state: "attached" });
    await page.selectOption("#send-type", "OrderNew");
    // The form starts from a payload that fits OrderNewMessage.
    assert.deepEqual(JSON.parse(await page.inputValue("#send-payload")), { orderId: "", customerId: "", totalCents: 0 });
    assert.match((await page.textContent("#send-declared"))!, /Checked against OrderNewMessage/);

    await page.fill("#send-payload", JSON.stringify({ orderId: "o_good", customerId: "c_1", totalCents: 1999 }));
    await page.click("#send-submit");
    goodId = (await page.textContent("#send-result a"))!;
    assert.match(goodId, /^[0-9a-f-]{36}$/);

    await page.fill("#send-payload", JSON.stringify({ orderId: "o_bad", customerId: "c_1", totalCents: "heavy" }));
    await page.click("#send-submit");
    await page.waitForFunction(() => document.querySelector("#send-result")?.classList.contains("error"));
    assert.match((await page.textContent("#send-result"))!, /payload\.totalCents: expected number, got "heavy" \(OrderNewMessage in @letsgo\/types\)/);

    await page.fill("#send-payload", JSON.stringify({ orderId: "o_negative", customerId: "c_1", totalCents: -1 }));
    await page.click("#send-submit");
    await page.waitForFunction((previous) => document.querySelector("#send-result a")?.textContent !== previous, goodId);
    failingId = (await page.textContent("#send-result a"))!;
    await shot("send");

    await view("overview");
    // Pushed by the server: handled grows, and the failing order lands in the DLQ, with no reload.
    await page.waitForFunction((before) => Number(document.querySelector("#stat-processed")!.textContent!.replace(/,/g, "")) > before, handledBefore);
    await page.waitForFunction(() => Number(document.querySelector("#stat-dead")!.textContent) >= 1);
    assert.equal(await page.textContent("#dlq-count"), String(await numberIn("#stat-dead")));
    await shot("overview");
  });

  it("finds the failing message by id prefix and shows its story: each attempt, the error once, the stack and the output", async () => {
    await view("messages");
    await page.fill("#filter-q", failingId.slice(0, 8));
    await page.waitForSelector(`#message-rows tr[data-id="${failingId}"] .status.dead`);
    // Only that message is left once the search has applied.
    await page.waitForFunction(() => document.querySelectorAll("#message-rows tr").length === 1);
    await page.click(`#message-rows tr[data-id="${failingId}"] a`);
    await page.waitForSelector("#view-message:not([hidden])");
    await page.waitForFunction(() => document.querySelectorAll("#story-timeline li.attempt").length === 3);
    const attempts = page.locator("#story-timeline li.attempt");
    for (let i = 0; i < 3; i++) {
      const text = (await attempts.nth(i).textContent())!;
      assert.match(text, new RegExp(`Attempt ${i + 1}`));
      assert.match(text, /Error: Order o_negative has an invalid total: -1/);
    }
    // The same error is shown once; the repeats say so, without their stack.
    assert.match((await attempts.nth(1).textContent())!, /Same error as attempt 1/);
    assert.equal(await attempts.nth(1).locator("pre.stack").count(), 0);
    // The stack: source-mapped to the handler's TypeScript, the user's frames first, relative to the project; the rest folded.
    const userFrames = (await attempts.nth(0).locator("pre.stack").textContent())!;
    assert.match(userFrames, /at orderNewHandler \(apps\/worker\/src\/handlers\/orderNewHandler\.ts:\d+:\d+\)/);
    assert.doesNotMatch(userFrames, new RegExp(projectDir));
    assert.equal(await attempts.nth(0).locator("details:has(pre.stack-other)").getAttribute("open"), null);
    // The DLQ on the timeline, and the redrive on the story itself.
    assert.match((await page.textContent("#story-timeline"))!, /Moved to the dead-letter queue/);
    await page.waitForSelector("#story-redrive");
    // One date format: local time with the zone, the ISO time on hover.
    assert.match((await page.locator("#story-facts time").first().getAttribute("title"))!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.match((await page.textContent("#story-body"))!, /"totalCents": -1/);
    await shot("message-story");
  });

  it("draws a message that failed twice then succeeded as a timeline: two failures, then handled", async () => {
    const orderId = `o_flaky_${Date.now()}`;
    const sent = await fetch(dev.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ type: "OrderNew", payload: { orderId, customerId: "c_9", totalCents: 700 } }) });
    const [id] = ((await sent.json()) as { messageIds: string[] }).messageIds;
    await dev.waitForLine((line) => line.event === "message:handled" && line.id === id);
    await page.goto(`${dev.url}/#message/${id}`);
    await page.waitForFunction((shortId) => document.querySelector("#story-id")?.textContent?.startsWith(shortId) && document.querySelectorAll("#story-timeline li.attempt").length === 3, id!);
    const outcomes = await page.locator("#story-timeline li.attempt .status").allTextContents();
    assert.deepEqual(outcomes, ["failed", "failed", "handled"]);
    // The first and second failures differ (the receive count is in the message): both shown whole.
    assert.match((await page.locator("#story-timeline li.attempt").nth(1).textContent())!, /not ready yet \(receive 2\)/);
    // On the axis: the send, three attempts as long as they ran (two red, one green).
    assert.equal(await page.locator("#story-axis rect.bad").count(), 2);
    assert.equal(await page.locator("#story-axis rect.ok").count(), 1);
    assert.equal(await page.locator("#story-axis circle.sent").count(), 1);
    // Each step says how long after the send it came.
    assert.match((await page.locator("#story-timeline li.attempt").nth(2).textContent())!, /\+\d+ s/);
    await shot("message-timeline");
  });

  it("finds a message by a value in its payload, and the counts follow the filter", async () => {
    await view("messages");
    await page.fill("#filter-q", "o_negative");
    await page.waitForFunction((id) => document.querySelectorAll("#message-rows tr[data-id]").length === 1 && document.querySelector(`#message-rows tr[data-id="${id}"]`), failingId);
    await page.waitForFunction(() => /^1 matching, of \d+ in the history/.test(document.querySelector("#message-count")?.textContent ?? ""));
    await shot("messages-search");
    await page.fill("#filter-q", "no such value anywhere");
    await page.waitForFunction(() => /Nothing matches/.test(document.querySelector("#message-rows")?.textContent ?? ""));
    assert.match((await page.textContent("#message-count"))!, /^0 matching/);
    await page.fill("#filter-q", "");
    await page.waitForFunction(() => /^\d+ in the history/.test(document.querySelector("#message-count")?.textContent ?? ""));
  });

  it("redrives it from the DLQ: it leaves the DLQ as a new message", async () => {
    await view("dlq");
    const row = page.locator(`#dlq-rows tr[data-id="${failingId}"]`);
    await row.waitFor();
    assert.match((await row.textContent())!, /invalid total: -1/);
    await shot("dlq");
    await row.locator("button.redrive").click();
    await page.waitForFunction(() => /Redriven 1/.test(document.querySelector("#dlq-result")!.textContent ?? ""));
    await row.waitFor({ state: "detached" });
    const newId = (await page.locator("#dlq-result a").nth(1).getAttribute("title"))!;
    assert.notEqual(newId, failingId, "a redrive is a new message, as in SQS");
    // The copy fails the same way into the DLQ; its own story redrives it, and its timeline shows where it went.
    await page.goto(`${dev.url}/#message/${newId}`);
    await page.waitForSelector("#story-redrive");
    await page.click("#story-redrive");
    await page.waitForFunction(() => /Redriven as/.test(document.querySelector("#story-result")?.textContent ?? ""));
    await page.waitForFunction(() => /Redriven as/.test(document.querySelector("#story-timeline")?.textContent ?? ""));
  });

  it("replays a handled message with an edited payload, refuses an edit the types do not allow, and shows the new run", async () => {
    await page.goto(`${dev.url}/#message/${goodId}`);
    await page.waitForFunction(
      (id) => document.querySelector("#story-id")?.textContent?.startsWith(id) && document.querySelector("#story-timeline")?.textContent?.includes("handled"),
      goodId,
    );
    assert.match((await page.textContent("#story-timeline"))!, /Order o_good for c_1: \$19\.99/, "the handler's output, filed under its attempt");

    await page.fill("#replay-payload", JSON.stringify({ orderId: "o_replayed", customerId: 7, totalCents: 500 }));
    await page.click("#replay-edited");
    await page.waitForFunction(() => document.querySelector("#replay-result")?.classList.contains("error"));
    assert.match((await page.textContent("#replay-result"))!, /payload\.customerId: expected string, got 7/);

    await page.fill("#replay-payload", JSON.stringify({ orderId: "o_replayed", customerId: "c_2", totalCents: 500 }));
    await page.click("#replay-edited");
    await page.waitForSelector("#replay-result a");
    await page.click("#replay-result a");
    await page.waitForFunction(() => /Order o_replayed for c_2: \$5\.00/.test(document.querySelector("#story-timeline")?.textContent ?? ""));
    assert.match((await page.textContent("#story-facts"))!, /replay of/);
    // The last story's replay error does not follow to another message's page.
    await page.fill("#replay-payload", "{ not json");
    await page.click("#replay-edited");
    await page.waitForFunction(() => document.querySelector("#replay-result")?.classList.contains("error"));
    await page.goto(`${dev.url}/#message/${failingId}`);
    await page.waitForFunction((id) => document.querySelector("#story-id")?.textContent?.startsWith(id), failingId);
    assert.equal(await page.textContent("#replay-result"), "");
  });

  it("runs the schedule now and lists the run", async () => {
    await view("schedule");
    // The view fills in once its fetch answers: wait for that, not for the section alone.
    await page.waitForFunction(() => document.querySelectorAll("#schedule-next li").length === 5);
    assert.match((await page.textContent("#schedule-facts"))!, /rate\(1 hour\)/);
    const runsBefore = await page.locator("#schedule-runs tr td.ok").count();
    await page.click("#run-now");
    await page.waitForFunction(() => /Ran in \d+ ms: done/.test(document.querySelector("#schedule-result")?.textContent ?? ""));
    await page.waitForFunction((before) => document.querySelectorAll("#schedule-runs tr td.ok").length > before, runsBefore);
    // What the run printed, under it.
    await page.waitForFunction(() => /Output \(1 line\)/.test(document.querySelector("#schedule-runs tr")?.textContent ?? ""));
    assert.match((await page.locator("#schedule-runs tr").first().locator("pre.output").textContent())!, /Scheduled event .* nothing to do yet/);
    await shot("schedule");
  });

  it("sends a signed Stripe test event, which is enqueued and handled", async () => {
    await view("stripe");
    await page.waitForSelector('#stripe-type option[value="customer.subscription.created"]', { state: "attached" });
    await page.selectOption("#stripe-type", "customer.subscription.created");
    await page.click("#stripe-send");
    await page.waitForSelector("#stripe-result a");
    const id = (await page.textContent("#stripe-result a"))!;
    await page.click("#stripe-result a");
    // This message's story, not the one shown before the click (it may be "handled" too).
    await page.waitForFunction(
      (shortId) => document.querySelector("#story-id")?.textContent?.startsWith(shortId) && document.querySelector("#story-facts .status")?.textContent === "handled",
      id,
    );
    assert.match((await page.textContent("#story-facts"))!, /letsgo:stripe/);
    assert.match((await page.textContent("#story-id"))!, new RegExp(id));
    await shot("stripe");
  });

  it("is keyboard-usable: / focuses the search, the views are links, the purge asks first", async () => {
    await view("overview");
    await page.keyboard.press("/");
    await page.waitForSelector("#view-messages:not([hidden])");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "filter-q");
    await page.fill("#filter-q", "");
    await view("dlq");
    // The redriven copy fails again into the DLQ: then Purge can act (it is disabled on an empty DLQ).
    await page.waitForSelector("#dlq-rows tr[data-id]");
    await page.waitForSelector("#purge:not([disabled])");
    await page.focus("#purge");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#purge-dialog[open]");
    await page.keyboard.press("Escape"); // cancel: nothing purged
    await page.waitForSelector("#purge-dialog[open]", { state: "detached" });
    assert.doesNotMatch((await page.textContent("#dlq-result"))!, /Purged/);
  });

  it("shows a type error in the worker while delivery goes on, and that it is gone once fixed", async () => {
    await view("overview");
    await page.waitForFunction(() => /No type errors/.test(document.querySelector("#types-state")?.textContent ?? ""));
    const handlerFile = path.join(projectDir, "apps/worker/src/handlers/orderNewHandler.ts");
    const original = await readFile(handlerFile, "utf8");
    await writeFile(handlerFile, original.replace("const { orderId, customerId, totalCents } = message.payload;", "const { orderId, customerId, totalCents } = message.payload;\n  console.log(message.payload.couponCode);"));
    await page.waitForSelector("#types-state ul.type-errors li");
    const errors = (await page.textContent("#types-state"))!;
    assert.match(errors, /1 type error in apps\/worker\/tsconfig\.json: messages still run/);
    assert.match(errors, /apps\/worker\/src\/handlers\/orderNewHandler\.ts:\d+:\d+ TS2339 Property 'couponCode' does not exist/);
    assert.doesNotMatch(errors, /null|undefined/);
    await shot("overview-type-error");
    // Delivery goes on with the code as it is.
    const sent = await fetch(dev.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ type: "OrderNew", payload: { orderId: "o_typed", customerId: "c", totalCents: 1 } }) });
    const [id] = ((await sent.json()) as { messageIds: string[] }).messageIds;
    await dev.waitForLine((line) => line.event === "message:handled" && line.id === id);
    await writeFile(handlerFile, original);
    await page.waitForFunction(() => /No type errors/.test(document.querySelector("#types-state")?.textContent ?? ""));
  });

  it("reads in dark mode too", async () => {
    await page.emulateMedia({ colorScheme: "dark" });
    await view("messages");
    await page.waitForSelector("#message-rows tr[data-id]");
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(background, "rgb(17, 20, 24)");
    await shot("messages-dark");
  });
});
