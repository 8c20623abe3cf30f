/**
 * The list of commands. Each `src/cli/<command>.ts` exports `register(program)`,
 * which declares flags and, in its action, lazily imports the core that does the work.
 */
import type { Command } from "commander";
import * as init from "./init.js";
import * as addMessage from "./add-message.js";
import * as listMessages from "./list-messages.js";
import * as keys from "./keys.js";
import * as dev from "./dev.js";
import * as enqueue from "./enqueue.js";
import * as dlq from "./dlq.js";
import * as stripe from "./stripe.js";
import * as build from "./build.js";
import * as schedule from "./schedule.js";
import * as deploy from "./deploy.js";
import * as status from "./status.js";
import * as destroy from "./destroy.js";
import * as logs from "./logs.js";

export function registerCommands(program: Command): void {
  for (const command of [init, addMessage, listMessages, keys, stripe, build, schedule, deploy, status, destroy, logs, dev, enqueue, dlq]) command.register(program);
}
