/**
 * The one harness of issue 25 still runs (test/support/benchRun.ts): the
 * installed scaffold, each system fed by its own client, every goal printed
 * with ✓ or ✗ (none judged here). A file of its own: under load it takes
 * minutes, and each test file has its own time budget.
 */
import { describe } from "node:test";
import { smokeRun } from "./support/benchRun.js";

describe("npm run bench: the harness against its peers, 1 s a row", { timeout: 290_000 }, () => {
  smokeRun(["bench/peers.mjs", "--quick", "--seconds", "1"], /^goals \(✓\/✗ on the median of the rounds\)\n(  [✓✗] .+\n){14}/m);
});
