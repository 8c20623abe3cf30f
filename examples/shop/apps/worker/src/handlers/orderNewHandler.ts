import type { OrderNewMessage } from "@letsgo/types";
import { MessageType } from "@letsgo/types";
import { enqueue } from "@letsgo/queue";
import type { MessageHandler } from "./index";

/**
 * Handles `OrderNew` messages. Throw to have the message retried; after
 * LETSGO_WORKER_MAX_RECEIVE_COUNT attempts it moves to the dead-letter queue.
 * A good order schedules a follow-up message five seconds later: the same
 * enqueue() your app uses, which goes to this dev worker locally and to the
 * worker's own queue in AWS.
 *
 * Try: npx letsgo-worker enqueue --type OrderNew --payload '{"orderId":"o_1","customerId":"c_1","totalCents":1999}'
 * and with "totalCents": -1 to watch a message retry and land in the DLQ.
 */
export const orderNewHandler: MessageHandler<OrderNewMessage> = async (message, event, context) => {
  const { orderId, customerId, totalCents } = message.payload;
  if (!Number.isInteger(totalCents) || totalCents < 0) {
    throw new Error(`Order ${orderId} has an invalid total: ${totalCents}`);
  }
  console.log(`Order ${orderId} for ${customerId}: $${(totalCents / 100).toFixed(2)}`);
  await enqueue({ type: MessageType.FollowUp, payload: { customerId, note: `how was order ${orderId}?` } }, { delaySeconds: 5 });
};
