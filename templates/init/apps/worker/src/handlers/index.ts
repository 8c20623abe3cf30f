/**
 * Message handlers by message type. Add a new type with
 *   npx letsgo-worker add-message OrderNew --field orderId:string
 * which declares it in @letsgo/types, writes its handler and registers it here.
 *
 * A message whose type has no handler here is not dropped: it fails, is retried
 * and ends in the dead-letter queue, where `letsgo-worker dlq list` shows it.
 */
import type { Message } from "@letsgo/types";
import { MessageType } from "@letsgo/types";
import type { MessageHandler as RuntimeMessageHandler } from "letsgo-worker/runtime";
import { contactHandler } from "./contactHandler";
import { stripeHandler } from "./stripeHandler";
import { tenantDeletedHandler } from "./tenantDeletedHandler";
import { tenantNewHandler } from "./tenantNewHandler";

/** (message, event, context) => Promise<void>; throw to have the message retried. */
export type MessageHandler<T extends Message = Message> = RuntimeMessageHandler<T>;

export const handlers: Record<string, MessageHandler<any>> = {
  [MessageType.Contact]: contactHandler,
  [MessageType.Stripe]: stripeHandler,
  [MessageType.TenantNew]: tenantNewHandler,
  [MessageType.TenantDeleted]: tenantDeletedHandler,
};
