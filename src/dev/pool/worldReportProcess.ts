/** Child of worldReport.ts: the probe's report, made in the world `dev` gives a handler process. */
import { describeWorld } from "../../runtime/probe.js";

const names = JSON.parse(process.argv[2] ?? "[]") as string[];
process.send!(describeWorld(names), () => process.exit(0));
