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
import * as replay from "./replay.js";
import * as retry from "./retry.js";
import * as schedule from "./schedule.js";
import * as stripe from "./stripe.js";
import * as build from "./build.js";
import * as deploy from "./deploy.js";
import * as status from "./status.js";
import * as logs from "./logs.js";
import * as destroy from "./destroy.js";

/** In the order a user meets them: set up, work locally, ship. */
const COMMANDS = [init, addMessage, listMessages, keys, dev, enqueue, dlq, retry, replay, schedule, stripe, build, deploy, status, logs, destroy];

/** One line each for `letsgo-worker --help`; each command's own --help says the rest. */
const SUMMARIES: Record<string, string> = {
  init: "scaffold the worker into a project",
  "add-message": "add a typed message, its handler and its registration",
  "list-messages": "list message types and whether each has a handler",
  keys: "manage the key pair that signs API access tokens",
  dev: "run the worker locally behind an SQS-like queue",
  enqueue: "send a message to the dev worker (or --aws)",
  dlq: "list, redrive or purge dead messages",
  retry: "try a failing message again now, or list those waiting (dev only)",
  replay: "send a message from the dev worker's history again, edited or not",
  schedule: "check the schedule expression; `schedule run` fires it now",
  stripe: "send signed Stripe test events to the dev worker",
  build: "bundle the worker and build its Lambda container image",
  deploy: "create or update the worker on AWS",
  status: "show the deployed worker and its queues",
  logs: "show the deployed function's logs",
  destroy: "remove the deployed worker",
};

export function registerCommands(program: Command): void {
  for (const command of COMMANDS) command.register(program);
  for (const command of program.commands) {
    const summary = SUMMARIES[command.name()];
    if (summary) command.summary(summary);
  }
}
