/** The dev worker's HTTP API. Every route is one `router.add`. */
import { HttpError, Router } from "./http.js";
import { IntakeError, parseDelaySeconds, parseIntake } from "./intake.js";
import type { NewMessage, QueueMessage, QueueStats } from "./queue.js";

/** What the routes need from the worker. */
export interface QueueService {
  maxMessageSize: number;
  /** Resolves once the messages are durable on disk. */
  enqueue(messages: NewMessage[], delaySeconds: number): Promise<string[]>;
  stats(): QueueStats;
  listDead(): QueueMessage[];
  redrive(ids?: string[]): number;
  purge(): number;
  health(): Record<string, unknown>;
}

export interface DeadMessageView {
  messageId: string;
  type: string;
  body: string;
  receiveCount: number;
  lastError: string | null;
  sentAt: string;
  deadAt: string | null;
}

export function deadMessageView(m: QueueMessage): DeadMessageView {
  return {
    messageId: m.id,
    type: m.type,
    body: m.body,
    receiveCount: m.receiveCount,
    lastError: m.lastError ?? null,
    sentAt: new Date(m.sentAt).toISOString(),
    deadAt: m.deadAt ? new Date(m.deadAt).toISOString() : null,
  };
}

export function buildRouter(service: QueueService): Router {
  const router = new Router();
  router.add("POST", "/", async (request) => {
    // Room for JSON escaping of SQS-shaped bodies; the real limits are checked per message.
    const raw = await request.body(service.maxMessageSize * 2 + 64 * 1024);
    try {
      const delaySeconds = parseDelaySeconds(request.query.get("delaySeconds"));
      const messages = parseIntake(raw.toString("utf8"), service.maxMessageSize);
      const messageIds = await service.enqueue(messages, delaySeconds);
      return { status: 201, body: { messageIds } };
    } catch (error) {
      if (error instanceof IntakeError) throw new HttpError(error.status, error.message);
      throw error;
    }
  });
  router.add("GET", "/health", () => ({ status: 200, body: service.health() }));
  router.add("GET", "/stats", () => ({ status: 200, body: service.stats() }));
  router.add("GET", "/dlq", () => ({ status: 200, body: { messages: service.listDead().map(deadMessageView) } }));
  router.add("DELETE", "/dlq", () => ({ status: 200, body: { purged: service.purge() } }));
  router.add("POST", "/dlq/redrive", (request) => {
    const id = request.query.get("messageId");
    if (id === null) return { status: 200, body: { redriven: service.redrive() } };
    const moved = service.redrive([id]);
    if (moved === 0) throw new HttpError(404, `No message ${id} in the dead-letter queue (GET /dlq lists them).`);
    return { status: 200, body: { redriven: moved } };
  });
  return router;
}
