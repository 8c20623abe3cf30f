import type { FollowUpMessage } from "@letsgo/types";
import type { MessageHandler } from "./index";

/** Handles `FollowUp` messages: a reminder to contact a customer. */
export const followUpHandler: MessageHandler<FollowUpMessage> = async (message, event, context) => {
  console.log(`Follow up with ${message.payload.customerId}${message.payload.note ? `: ${message.payload.note}` : ""}`);
};
