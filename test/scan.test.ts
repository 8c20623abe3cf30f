import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { scanEnum, scanHandlerKeys } from "../src/project/scan.ts";

describe("Function: scanEnum", () => {
  it("reads string members, ignoring comments and other enums", () => {
    const source = `
      // enum MessageType { Fake = "x" }
      enum Other { A = "a" }
      export enum MessageType {
        /* a comment, with = "quotes" */
        Contact = "letsgo:contact",
        OrderNew = 'OrderNew', // trailing
        "Quoted" = "quoted"
      }`;
    assert.deepEqual(scanEnum(source, "MessageType"), [
      { name: "Contact", value: "letsgo:contact" },
      { name: "OrderNew", value: "OrderNew" },
      { name: "Quoted", value: "quoted" },
    ]);
  });

  it("returns undefined when the enum is absent", () => {
    assert.equal(scanEnum("const x = 1;", "MessageType"), undefined);
  });
});

describe("Function: scanHandlerKeys", () => {
  it("reads computed enum keys, string keys and shorthand, not nested ones", () => {
    const source = `
      export const handlers: Record<string, MessageHandler<any>> = {
        [MessageType.Stripe]: stripeHandler,
        "order:paid": orderPaid,
        ["literal"]: x,
        nested: wrap({ [MessageType.Inner]: y, z }),
        list: [a, b, c],
        shorthand,
      };`;
    assert.deepEqual(scanHandlerKeys(source), [
      { enumMember: "Stripe" },
      { literal: "order:paid" },
      { literal: "literal" },
      { literal: "nested" },
      { literal: "list" },
      { literal: "shorthand" },
    ]);
  });
});
