import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
/** The tool's version, from package.json; resources are tagged with it. */
export const VERSION: string = (require("../package.json") as { version: string }).version;
