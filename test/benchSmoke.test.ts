/** The short benchmarks still run, each at its smallest size (test/support/benchRun.ts). */
import { describe } from "node:test";
import { smokeRun } from "./support/benchRun.js";

describe("npm run bench (a smoke run of the short benchmarks)", { timeout: 280_000 }, () => {
  smokeRun(["bench/firstSeconds.mjs", "--runs", "1", "--seconds", "1"], /^median: first 201 \d+ ms after the port opened; [\d,]+ accepted in the first second, [\d,]+ in 1 s/m);
  smokeRun(["bench/historyWrite.mjs", "--rounds", "1"], /^append what changed [\d.]+ ms · rewrite the whole file [\d.]+ ms/m);
  smokeRun(["bench/dashboard.mjs", "--rounds", "1", "--seconds", "1"], /^median: page closed [\d,]+ · open [\d,]+ msg\/s/m);
  // dev --image against plain dev (a Docker engine: the tests' own dockerd as root).
  smokeRun(["--import", "tsx", "bench/devImage.ts", "--rounds", "1", "--messages", "100"], /^median: plain [\d,]+ · image [\d,]+ msg\/s/m);
});
