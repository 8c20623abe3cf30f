/**
 * Payload validation derived from @letsgo/types: a table of interfaces × good
 * and bad payloads, through the real TypeScript checker (derivePayloadSchemas)
 * and the runtime's check (payloadProblem), the pair every place uses.
 */
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { before, describe, test } from "node:test";
import { derivePayloadSchemas, type DerivedPayloadSchemas } from "../src/project/payloadSchemas.js";
import { payloadProblem } from "../src/runtime/payloadShape.js";

const TYPES = `
export enum MessageType { OrderNew = "OrderNew", Ship = "Ship", Tagged = "Tagged", Tree = "Tree", Event = "Event", Mapped = "Mapped", Dated = "Dated" }
export enum Priority { Low = "low", High = "high" }
export enum Level { One = 1, Two = 2 }

export interface Message { type: MessageType | string; payload: any }

interface Address { street: string; city: string; zip?: string }

/** Optional fields, nested objects, arrays, string literals, enums, null. */
export interface OrderNewMessage extends Message {
  type: MessageType.OrderNew;
  payload: {
    orderId: string;
    totalCents: number;
    note?: string;
    giftWrap?: boolean | null;
    items: Array<{ sku: string; quantity: number }>;
    shipTo: Address;
    channel: "web" | "phone";
    priority: Priority;
    level?: Level;
    coupon: string | null;
  };
}

/** A type alias, a tuple, a readonly array, numeric and boolean literals. */
export type ShipMessage = {
  type: MessageType.Ship;
  payload: { at: [number, number]; route: readonly string[]; attempt: 1 | 2 | 3; express: true; label?: [string, string?] };
};

/** Template literal and branded types, an index signature, Record. */
export interface TaggedMessage extends Message {
  type: MessageType.Tagged;
  payload: { id: \`order_\${string}\`; version: \`v\${number}\`; userId: string & { __brand: "UserId" }; counts: Record<string, number>; [extra: string]: unknown };
}

/** A recursive type. */
interface TreeNode { name: string; children?: TreeNode[] }
export interface TreeMessage extends Message { type: MessageType.Tree; payload: TreeNode }

/** A discriminated union payload. */
export interface EventMessage extends Message {
  type: MessageType.Event;
  payload: { kind: "click"; x: number; y: number } | { kind: "key"; key: string };
}

/** Utility types the checker resolves. */
interface Customer { id: string; email: string; name: string }
export interface MappedMessage extends Message {
  type: MessageType.Mapped;
  payload: Partial<Customer> & Pick<Customer, "id">;
}

/** Date (and Map) cannot travel in JSON: refused, with what to declare instead. */
export interface DatedMessage extends Message {
  type: MessageType.Dated;
  payload: { dueAt: Date; tags?: Map<string, string> };
}

/** Literal string type without an enum; payload typed any checks nothing. */
export interface LooseMessage extends Message { type: "Loose"; payload: any }
`;

const ADDRESS = { street: "1 Main St", city: "Springfield" };
const ORDER = {
  orderId: "o_1",
  totalCents: 1999,
  items: [{ sku: "A", quantity: 2 }],
  shipTo: ADDRESS,
  channel: "web",
  priority: "high",
  coupon: null,
};

let derived: DerivedPayloadSchemas;

before(async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "letsgo-payload-"));
  const file = path.join(dir, "index.ts");
  await writeFile(file, TYPES);
  derived = derivePayloadSchemas(file);
});

const problem = (type: string, payload: unknown) => payloadProblem(derived.schemas, type, payload);

/** [message type, payload, expected problem (a prefix of the text), or undefined when it fits]. */
const TABLE: Array<[string, string, unknown, string | undefined]> = [
  ["all fields", "OrderNew", ORDER, undefined],
  ["optional fields given", "OrderNew", { ...ORDER, note: "hi", giftWrap: true, level: 2 }, undefined],
  ["optional nullable as null", "OrderNew", { ...ORDER, giftWrap: null }, undefined],
  ["extra fields are allowed", "OrderNew", { ...ORDER, campaign: "x" }, undefined],
  ["wrong scalar", "OrderNew", { ...ORDER, totalCents: "heavy" }, 'payload.totalCents: expected number, got "heavy"'],
  ["missing required", "OrderNew", { ...ORDER, orderId: undefined }, "payload.orderId: expected string, got nothing"],
  ["NaN is not a number JSON carries", "OrderNew", { ...ORDER, totalCents: Number.NaN }, "payload.totalCents: expected number, got NaN"],
  ["optional field of the wrong type", "OrderNew", { ...ORDER, note: 5 }, "payload.note: expected string, got 5"],
  ["array item", "OrderNew", { ...ORDER, items: [{ sku: "A", quantity: 1 }, { sku: "B", quantity: "2" }] }, 'payload.items[1].quantity: expected number, got "2"'],
  ["not an array", "OrderNew", { ...ORDER, items: {} }, "payload.items: expected { sku: string; quantity: number }[], got an object"],
  ["nested named object", "OrderNew", { ...ORDER, shipTo: { street: "x" } }, "payload.shipTo.city: expected string, got nothing"],
  ["nested not an object", "OrderNew", { ...ORDER, shipTo: "home" }, 'payload.shipTo: expected Address, got "home"'],
  ["string literal union", "OrderNew", { ...ORDER, channel: "fax" }, 'payload.channel: expected "web" | "phone", got "fax"'],
  ["string enum", "OrderNew", { ...ORDER, priority: "urgent" }, 'payload.priority: expected "low" | "high", got "urgent"'],
  ["numeric enum", "OrderNew", { ...ORDER, level: 3 }, "payload.level: expected 1 | 2, got 3"],
  ["string | null", "OrderNew", { ...ORDER, coupon: 7 }, "payload.coupon: expected string | null, got 7"],
  ["payload not an object", "OrderNew", "o_1", "payload: expected { orderId: string;"],
  ["payload missing", "OrderNew", undefined, "payload: expected"],
  ["several problems listed", "OrderNew", { ...ORDER, orderId: 1, totalCents: "x" }, 'payload.orderId: expected string, got 1; payload.totalCents: expected number, got "x"'],

  ["tuple", "Ship", { at: [1, 2], route: ["a"], attempt: 2, express: true }, undefined],
  ["tuple with optional item", "Ship", { at: [1, 2], route: [], attempt: 1, express: true, label: ["a"] }, undefined],
  ["tuple too short", "Ship", { at: [1], route: [], attempt: 1, express: true }, "payload.at: expected [number, number] (2 items), got 1 items"],
  ["tuple item", "Ship", { at: [1, "2"], route: [], attempt: 1, express: true }, 'payload.at[1]: expected number, got "2"'],
  ["readonly array item", "Ship", { at: [1, 2], route: ["a", 3], attempt: 1, express: true }, "payload.route[1]: expected string, got 3"],
  ["number literal union", "Ship", { at: [1, 2], route: [], attempt: 4, express: true }, "payload.attempt: expected 1 | 2 | 3, got 4"],
  ["boolean literal", "Ship", { at: [1, 2], route: [], attempt: 1, express: false }, "payload.express: expected true, got false"],

  ["template literal and brand", "Tagged", { id: "order_9", version: "v2", userId: "u", counts: { a: 1 }, more: "anything" }, undefined],
  ["template literal", "Tagged", { id: "ord_9", version: "v2", userId: "u", counts: {} }, 'payload.id: expected a string like `order_${string}`, got "ord_9"'],
  ["template literal with number", "Tagged", { id: "order_", version: "vX", userId: "u", counts: {} }, 'payload.version: expected a string like `v${number}`, got "vX"'],
  ["Record values", "Tagged", { id: "order_1", version: "v1", userId: "u", counts: { a: 1, b: "2" } }, 'payload.counts.b: expected number, got "2"'],
  ["branded primitive", "Tagged", { id: "order_1", version: "v1", userId: 5, counts: {} }, "payload.userId: expected string, got 5"],

  ["recursive", "Tree", { name: "a", children: [{ name: "b", children: [{ name: "c" }] }] }, undefined],
  ["recursive, deep problem", "Tree", { name: "a", children: [{ name: "b", children: [{ name: 3 }] }] }, "payload.children[0].children[0].name: expected string, got 3"],

  ["discriminated union", "Event", { kind: "key", key: "a" }, undefined],
  ["discriminated union, the matching member's problem", "Event", { kind: "click", x: 1 }, "payload.y: expected number, got nothing"],
  ["union, no member's discriminant matches: said of the discriminant", "Event", { kind: "scroll" }, 'payload.kind: expected "click" | "key", got "scroll"'],
  ["union, no member matches, no discriminant given", "Event", { x: 1 }, 'payload: expected { kind: "click"; x: number; y: number } | { kind: "key"; key: string }, got an object'],

  ["Partial & Pick", "Mapped", { id: "c_1" }, undefined],
  ["Partial & Pick, required from Pick", "Mapped", { email: "a@b" }, "payload.id: expected string, got nothing"],
  ["Partial field typed", "Mapped", { id: "c_1", name: 1 }, "payload.name: expected string, got 1"],

  ["Date refused with the fix", "Dated", { dueAt: "2026-11-30T00:00:00.000Z" }, "payload.dueAt: Date cannot travel in a JSON message (it would arrive as a string); declare it as string (an ISO 8601 time"],
  ["a Date object is refused too (it would be sent as its string)", "Dated", { dueAt: new Date(0) }, "payload.dueAt: Date cannot travel"],
  ["Map refused when present", "Dated", { dueAt: "x", tags: {} }, "payload.dueAt: Date cannot travel"],

  ["payload typed any", "Loose", { anything: [1, "x"] }, undefined],
  ["a type without an interface is not checked", "Unknown", 42, undefined],
];

describe("payloads checked against @letsgo/types", () => {
  for (const [name, type, payload, expected] of TABLE) {
    test(`${type}: ${name}`, () => {
      const found = problem(type, payload);
      if (expected === undefined) assert.equal(found, undefined);
      else {
        assert.ok(found, `expected a problem starting ${JSON.stringify(expected)}`);
        assert.ok(found.startsWith(expected), `got: ${found}`);
      }
    });
  }

  test("the text names the interface it was checked against", () => {
    assert.equal(problem("OrderNew", { ...ORDER, totalCents: "heavy" }), 'payload.totalCents: expected number, got "heavy" (OrderNewMessage in @letsgo/types)');
  });

  test("a Date inside a string field is sent as its ISO string, which fits", () => {
    assert.equal(problem("OrderNew", { ...ORDER, note: new Date(0) }), undefined);
  });

  test("every message interface is found, by its type value, and the base Message is not", () => {
    assert.deepEqual(Object.keys(derived.schemas.messages).sort(), ["Dated", "Event", "Loose", "Mapped", "OrderNew", "Ship", "Tagged", "Tree"]);
    assert.equal(derived.schemas.messages.Ship!.declaredAs, "ShipMessage");
  });

  test("deriving warns about fields that cannot travel in JSON, and names where", () => {
    assert.equal(derived.warnings.length, 2, derived.warnings.join("\n"));
    assert.match(derived.warnings[0]!, /^DatedMessage\.payload\.dueAt is a Date, which cannot travel in a JSON message: declare it as string/);
    assert.match(derived.warnings[1]!, /^DatedMessage\.payload\.tags is a Map/);
  });

  test("the schemas are plain JSON and survive a round trip", () => {
    const copy = JSON.parse(JSON.stringify(derived.schemas));
    assert.equal(payloadProblem(copy, "OrderNew", { ...ORDER, totalCents: "heavy" }), problem("OrderNew", { ...ORDER, totalCents: "heavy" }));
  });

  test("five problems are listed, and the rest said to exist", () => {
    const found = problem("Tree", { name: "a", children: Array.from({ length: 8 }, () => ({ name: 1 })) })!;
    assert.equal(found.split("; ").length, 6, found);
    assert.match(found, /children\[4\]\.name: expected string, got 1; and more \(TreeMessage/);
  });

  test("a project without packages/types/index.ts checks nothing", () => {
    const none = derivePayloadSchemas(path.join(os.tmpdir(), "no-such-dir", "index.ts"));
    assert.deepEqual(none.schemas.messages, {});
    assert.equal(payloadProblem(none.schemas, "OrderNew", 1), undefined);
  });
});
