/**
 * Stacks made short for a terminal (src/dev/stackFrames.ts) and the stack the
 * runtime takes from what was thrown (errorStack): pure, as tables.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fullStackLines, stackLinesToShow, stackProjectRoot, userFrames } from "../src/dev/pool/stackFrames.js";
import { errorStack, MAX_STACK_CHARS } from "../src/runtime/errors.js";

/** A stack as the handler process reports it: user code, the runtime in node_modules, Node's internals, tsx. */
const STACK = [
  "TypeError: Cannot read properties of undefined (reading 'name')",
  "    at total (/p/apps/worker/src/pricing.ts:9:25)",
  "    at Chaos (/p/apps/worker/src/index.ts:6:7)",
  "    at handleRecord (/p/node_modules/letsgo-worker/dist/runtime/workerHandler.js:116:15)",
  "    at async Promise.all (index 0)",
  "    at load (/p/node_modules/tsx/dist/esm/index.mjs:2:100)",
  "    at async handleBatch (file:///p/node_modules/letsgo-worker/dist/runtime/workerHandler.js:70:22)",
  "    at helper (/p/packages/types/index.ts:3:3)",
  "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
  "    at /p/apps/worker/src/anonymous.ts:1:1",
  "    at fromUrl (file:///p/apps/worker/src/url%20file.ts:2:2)",
].join("\n");

describe("Function: userFrames", () => {
  const cases: Array<[string, string, string | undefined, number | undefined, string[]]> = [
    [
      "the first 3 frames of the user's code, project-relative",
      STACK,
      "/p",
      undefined,
      ["at total (apps/worker/src/pricing.ts:9:25)", "at Chaos (apps/worker/src/index.ts:6:7)", "at helper (packages/types/index.ts:3:3)"],
    ],
    [
      "every user frame, anonymous and file: URLs included, with a higher limit",
      STACK,
      "/p",
      10,
      [
        "at total (apps/worker/src/pricing.ts:9:25)",
        "at Chaos (apps/worker/src/index.ts:6:7)",
        "at helper (packages/types/index.ts:3:3)",
        "at apps/worker/src/anonymous.ts:1:1",
        "at fromUrl (apps/worker/src/url file.ts:2:2)",
      ],
    ],
    ["a root the stack is not under: the root the stack points into", STACK, "/elsewhere", 2, ["at total (apps/worker/src/pricing.ts:9:25)", "at Chaos (apps/worker/src/index.ts:6:7)"]],
    ["no root: the root the stack points into", STACK, undefined, 1, ["at total (apps/worker/src/pricing.ts:9:25)"]],
    [
      "a wrapped error: the cause's frames",
      "ScheduledRunError: Scheduled run failed: boom\n    at runScheduled (/tool/dist/runtime/workerHandler.js:1:1)\nCaused by: Error: boom\n    at tick (/p/apps/worker/src/tick.ts:3:9)",
      "/p",
      undefined,
      ["at tick (apps/worker/src/tick.ts:3:9)"],
    ],
    ["only the runtime's frames: none", "InvalidMessageError: No handler\n    at handleRecord (/tool/dist/runtime/workerHandler.js:1:1)", "/p", undefined, []],
    ["node_modules inside the project: none", "Error: x\n    at f (/p/apps/worker/src/node_modules/lib/index.js:1:1)", "/p", undefined, []],
    ["a message with no frames", "Error: thrown on purpose\nsecond line", "/p", undefined, []],
  ];
  for (const [name, stack, root, limit, expected] of cases) {
    it(name, () => {
      assert.deepEqual(userFrames(stack, root, limit), expected);
    });
  }
});

describe("Function: fullStackLines", () => {
  it("every line but the error line, project paths relative, the rest as written", () => {
    assert.deepEqual(fullStackLines(STACK, "/p"), [
      "at total (apps/worker/src/pricing.ts:9:25)",
      "at Chaos (apps/worker/src/index.ts:6:7)",
      "at handleRecord (node_modules/letsgo-worker/dist/runtime/workerHandler.js:116:15)",
      "at async Promise.all (index 0)",
      "at load (node_modules/tsx/dist/esm/index.mjs:2:100)",
      "at async handleBatch (node_modules/letsgo-worker/dist/runtime/workerHandler.js:70:22)",
      "at helper (packages/types/index.ts:3:3)",
      "at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
      "at apps/worker/src/anonymous.ts:1:1",
      "at fromUrl (apps/worker/src/url file.ts:2:2)",
    ]);
  });

  it("keeps the causes' error lines", () => {
    const lines = fullStackLines("E: a\n    at f (/tool/x.js:1:1)\nCaused by: Error: boom\n    at tick (/p/apps/worker/src/tick.ts:3:9)", "/p");
    assert.deepEqual(lines, ["at f (/tool/x.js:1:1)", "Caused by: Error: boom", "at tick (apps/worker/src/tick.ts:3:9)"]);
  });

  it("leaves absolute paths alone when no root is known", () => {
    assert.deepEqual(fullStackLines("E: a\n    at f (/tool/x.js:1:1)", undefined), ["at f (/tool/x.js:1:1)"]);
  });
});

describe("Function: stackLinesToShow", () => {
  it("nothing without a stack; user frames by default; everything with verbose", () => {
    assert.deepEqual(stackLinesToShow(undefined, "/p", false), []);
    assert.equal(stackLinesToShow(STACK, "/p", false).length, 3);
    assert.equal(stackLinesToShow(STACK, "/p", true).length, 10);
  });
});

describe("Function: stackProjectRoot", () => {
  it("is the directory above apps/worker/src, outside node_modules", () => {
    assert.equal(stackProjectRoot(STACK), "/p");
    assert.equal(stackProjectRoot("E\n    at f (/home/me/shop/apps/worker/src/a.ts:1:1)"), "/home/me/shop");
    assert.equal(stackProjectRoot("E\n    at f (/x/node_modules/pkg/apps/worker/src/a.ts:1:1)"), undefined);
    assert.equal(stackProjectRoot("E\n    at f (node:internal/x:1:1)"), undefined);
  });
});

describe("Function: errorStack", () => {
  it("is the error's stack", () => {
    const error = new TypeError("nope");
    assert.equal(errorStack(error), error.stack);
  });

  it("follows causes, each as Caused by:", () => {
    const cause = new Error("inner");
    const stack = errorStack(new Error("outer", { cause })) ?? "";
    assert.match(stack, /^Error: outer\n {4}at /);
    assert.match(stack, /\nCaused by: Error: inner\n {4}at /);
  });

  it("stops at a cause that points back", () => {
    const a = new Error("a") as Error & { cause?: unknown };
    const b = new Error("b", { cause: a });
    a.cause = b;
    assert.equal((errorStack(a) ?? "").match(/Caused by/g)?.length, 1);
  });

  it("is undefined for what has no stack", () => {
    assert.equal(errorStack("a string"), undefined);
    assert.equal(errorStack({ message: "object" }), undefined);
    assert.equal(errorStack(undefined), undefined);
  });

  it("is cut at MAX_STACK_CHARS", () => {
    const stack = errorStack(new Error("x".repeat(MAX_STACK_CHARS * 2))) ?? "";
    assert.ok(stack.length < MAX_STACK_CHARS + 100);
    assert.match(stack, /cut at \d+ characters\)$/);
  });
});
