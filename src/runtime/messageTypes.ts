/** Message types LetsGo itself sends. User message types must not use the `letsgo:` prefix. */
export const ReservedMessageType = {
  Contact: "letsgo:contact",
  Stripe: "letsgo:stripe",
  TenantNew: "letsgo:tenant:new",
  TenantDeleted: "letsgo:tenant:deleted",
} as const;

export type ReservedMessageType = (typeof ReservedMessageType)[keyof typeof ReservedMessageType];

export const RESERVED_MESSAGE_TYPE_PREFIX = "letsgo:";

/** True for `letsgo:` types, which belong to LetsGo and must not be used for your own messages. */
export function isReservedMessageType(type: string): boolean {
  return type.startsWith(RESERVED_MESSAGE_TYPE_PREFIX);
}
