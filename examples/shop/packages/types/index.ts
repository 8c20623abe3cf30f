/**
 * Message types shared by your app (which enqueues) and the worker (which handles).
 * Add one with `npx letsgo-worker add-message OrderNew --field orderId:string`.
 * Types starting with "letsgo:" are reserved.
 */
export enum MessageType {
  Contact = "letsgo:contact",
  Stripe = "letsgo:stripe",
  TenantNew = "letsgo:tenant:new",
  TenantDeleted = "letsgo:tenant:deleted",
  OrderNew = "OrderNew",
  FollowUp = "FollowUp"
}

export interface Message {
  type: MessageType | string;
  payload: any;
}

/** A Stripe webhook event, verified at the HTTP edge and enqueued. */
export interface StripeMessage extends Message {
  type: MessageType.Stripe;
  payload: {
    id: string;
    type: string;
    created: number;
    livemode: boolean;
    data: { object: any; previous_attributes?: any };
    stripeMode?: "live" | "test";
    [key: string]: unknown;
  };
}

export interface ContactMessage extends Message {
  type: MessageType.Contact;
  payload: { name?: string; email: string; message: string; [key: string]: unknown };
}

export interface TenantNewMessage extends Message {
  type: MessageType.TenantNew;
  payload: { tenantId: string; [key: string]: unknown };
}

export interface TenantDeletedMessage extends Message {
  type: MessageType.TenantDeleted;
  payload: { tenantId: string; [key: string]: unknown };
}

export interface OrderNewMessage extends Message {
  type: MessageType.OrderNew;
  payload: {
    orderId: string;
    customerId: string;
    totalCents: number;
  };
}

export interface FollowUpMessage extends Message {
  type: MessageType.FollowUp;
  payload: {
    customerId: string;
    note?: string;
  };
}

/**
 * Every message the worker handles: what `enqueue()` from @letsgo/queue accepts,
 * checked by type. `letsgo-worker add-message` adds each new one here.
 */
export type WorkerMessage =
  | ContactMessage
  | StripeMessage
  | TenantNewMessage
  | TenantDeletedMessage
  | OrderNewMessage
  | FollowUpMessage;
