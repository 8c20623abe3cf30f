import type { {{interfaceName}} } from "@letsgo/types";
import type { MessageHandler } from "./index";

/**
 * Handles `{{typeValue}}` messages. Throw to have the message retried; after
 * LETSGO_WORKER_MAX_RECEIVE_COUNT attempts it moves to the dead-letter queue.
 */
export const {{handlerName}}: MessageHandler<{{interfaceName}}> = async (message, event, context) => {
  console.log({{typeValueLiteral}}, message.payload);
};
