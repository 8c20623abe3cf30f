#!/usr/bin/env node
// The published entry: compiled JS only, so every call starts at plain Node speed.
import { main } from "../dist/cli/main.js";

main(process.argv).then((code) => {
  process.exitCode = code;
});
