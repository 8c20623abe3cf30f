/**
 * A replay: a message from the history enqueued again, as it was or with its
 * payload replaced. The rules, in one place: it passes POST /'s checks (400,
 * 413); a body the history cut cannot replay as it was; a Stripe event replays
 * only as verified, which the journal vouches for (the SHA-256 it recorded
 * with the event's id when the signature was checked), and never edited (that
 * would be a forged event, as POST / refuses one).
 */
import { ReservedMessageType } from "../../runtime/messageTypes.js";
import type { PayloadSchemas } from "../../runtime/payloadShapeTypes.js";
import { HttpError } from "../http/http.js";
import { parseIntake } from "../http/intake.js";
import type { NewMessage } from "../queue/queueRecords.js";
import { bodyDigest } from "../queue/queueStore.js";
import type { HistoryEntry } from "../history/history.js";

export interface ReplaySource {
  /** The message as the history has it. */
  original: Pick<HistoryEntry, "id" | "type" | "body" | "bodyBytes" | "attributes">;
  /** The digest the journal recorded with a seen key (`stripe:<event id>`), while it is remembered. */
  verifiedDigest(key: string): string | undefined;
  maxMessageSize: number;
  payloadSchemas: PayloadSchemas | undefined;
}

/** The message to enqueue for a replay of `source.original`, `payload` replacing its payload if given; throws HttpError. */
export function replayedMessage(source: ReplaySource, payload?: unknown): NewMessage {
  const { original } = source;
  if (payload === undefined && original.bodyBytes !== undefined) {
    throw new HttpError(409, `${original.id}'s body (${original.bodyBytes} bytes) is longer than the history keeps: replay it with an edited payload instead.`);
  }
  const body = payload === undefined ? original.body : JSON.stringify({ type: original.type, payload });
  const verifiedStripe = original.type === ReservedMessageType.Stripe && payload === undefined;
  if (verifiedStripe) checkAgainstJournal(source, body);
  const [message] = parseIntake(body, source.maxMessageSize, { payloadSchemas: source.payloadSchemas, verifiedStripe });
  return { ...message!, ...(original.attributes ? { attributes: original.attributes as NewMessage["attributes"] } : {}) };
}

/** The body the history gives must be the one the journal recorded when its signature was checked. */
function checkAgainstJournal(source: ReplaySource, body: string): void {
  let eventId: unknown;
  try {
    eventId = (JSON.parse(body) as { payload?: { id?: unknown } }).payload?.id;
  } catch {
    eventId = undefined;
  }
  const recorded = typeof eventId === "string" ? source.verifiedDigest(`stripe:${eventId}`) : undefined;
  const id = source.original.id;
  if (recorded === undefined) {
    throw new HttpError(409, `${id} is a Stripe event the journal has no verified record of (it keeps them 7 days): replay refused. Send it again from Stripe (stripe events resend) or with letsgo-worker stripe trigger.`);
  }
  if (recorded !== bodyDigest(body)) {
    throw new HttpError(409, `${id}'s body in the history is not the Stripe event that was verified (history.json was changed or damaged): replay refused.`);
  }
}
