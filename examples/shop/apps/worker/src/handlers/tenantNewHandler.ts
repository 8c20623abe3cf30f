/**
 * Handles `letsgo:tenant:new`: a tenant (an account, a team) was created in your
 * app. Provision what it needs here; throw to have the message retried.
 */
import type { TenantNewMessage } from "@letsgo/types";
import type { MessageHandler } from "./index";

export const tenantNewHandler: MessageHandler<TenantNewMessage> = async (message, event, context) => {
  console.log(`Tenant ${message.payload.tenantId} created: nothing to do yet.`);
};
