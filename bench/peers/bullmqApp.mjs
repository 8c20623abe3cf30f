#!/usr/bin/env node
/**
 * An app sending to BullMQ as BullMQ tells it to: `queue.add(type, payload)`,
 * one job per call, jobs removed once completed (removeOnComplete, as
 * production setups do). The worker is bench/peers/bullmqWorker.mjs.
 *
 * Usage: node bench/peers/bullmqApp.mjs --redis <port> --queue <name> [appLoad.mjs options]
 */
import { Queue } from "bullmq";
import { appOptions, runAppLoad } from "./appLoad.mjs";

const options = appOptions({ redis: { type: "string" }, queue: { type: "string" } });
const queue = new Queue(options.queue, {
  connection: { host: "127.0.0.1", port: Number(options.redis) },
  defaultJobOptions: { removeOnComplete: true },
});
await queue.waitUntilReady();
await runAppLoad(async (message) => (await queue.add(message.type, message.payload)).id, options);
await queue.close();
