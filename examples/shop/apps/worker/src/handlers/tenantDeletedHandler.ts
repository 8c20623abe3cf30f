/**
 * Handles `letsgo:tenant:deleted`: a tenant was deleted in your app. Clean up
 * its data and subscriptions here; throw to have the message retried.
 */
import type { TenantDeletedMessage } from "@letsgo/types";
import type { MessageHandler } from "./index";

export const tenantDeletedHandler: MessageHandler<TenantDeletedMessage> = async (message, event, context) => {
  console.log(`Tenant ${message.payload.tenantId} deleted: nothing to do yet.`);
};
