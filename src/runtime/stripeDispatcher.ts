/**
 * `letsgo:stripe` messages carry a Stripe event; this dispatches them a second
 * time, on the Stripe event type. Event types without a handler are acknowledged:
 * Stripe sends many more kinds than an app subscribes to.
 */
import { InvalidMessageError } from "./errors.js";
import { createLogger, type Logger } from "./log.js";
import type { ReservedMessageType } from "./messageTypes.js";
import type { MessageHandler } from "./types.js";

/** The parts of a Stripe event the dispatcher relies on; the rest passes through untouched. */
export interface StripeEvent {
  /**
   * The Stripe event id: the same on every delivery of this event. Delivery is at
   * least once (Stripe retries and may repeat an event; in AWS every delivery is
   * enqueued, and SQS may deliver a message twice): make processing idempotent on it.
   */
  id: string;
  type: string;
  object?: "event";
  created?: number;
  livemode?: boolean;
  api_version?: string | null;
  data: { object: any; previous_attributes?: any };
  [field: string]: any;
}

/** The message LetsGo enqueues for a verified Stripe webhook: the event plus the mode it came from. */
export interface StripeMessage<E extends StripeEvent = StripeEvent> {
  type: typeof ReservedMessageType.Stripe;
  payload: E & { stripeMode?: "live" | "test" };
}

/** Handles one Stripe event type; `message.payload` is the Stripe event, `message.payload.id` the key to be idempotent on. */
export type StripeEventHandler<E extends StripeEvent = StripeEvent> = MessageHandler<StripeMessage<E>>;

export type StripeEventHandlers = Record<string, StripeEventHandler<any>>;

export function createStripeDispatcher(
  handlers: StripeEventHandlers,
  options: { logger?: Logger } = {},
): MessageHandler<StripeMessage> {
  const logger = options.logger ?? createLogger();
  return async (message, event, context) => {
    const stripeType = (message.payload as Partial<StripeEvent> | undefined)?.type;
    if (typeof stripeType !== "string" || stripeType === "") {
      throw new InvalidMessageError("missing-type", 'Stripe message payload has no string "type": expected a Stripe event.');
    }
    const handle = Object.hasOwn(handlers, stripeType) ? handlers[stripeType] : undefined;
    if (typeof handle !== "function") {
      logger.debug("stripe event ignored: no handler", { stripeType, stripeEventId: message.payload.id });
      return;
    }
    await handle(message, event, context);
  };
}
