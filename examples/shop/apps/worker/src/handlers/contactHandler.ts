/**
 * Handles `letsgo:contact`: a contact-form submission your app enqueued with
 *   enqueue({ type: MessageType.Contact, payload: { name, email, message } })
 * It is posted to Slack when SLACK_WEBHOOK_URL is set (otherwise skipped with a
 * debug line). Store it, email it or open a ticket here as well; throw to have
 * the message retried.
 */
import type { ContactMessage } from "@letsgo/types";
import { contactNotification, notifySlack } from "letsgo-worker/runtime";
import type { MessageHandler } from "./index";

export const contactHandler: MessageHandler<ContactMessage> = async (message, event, context) => {
  await notifySlack(contactNotification(message.payload));
};
