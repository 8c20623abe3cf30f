import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { contactNotification } from "../src/runtime/contactNotification.ts";

describe("Function: contactNotification", () => {
  it("says who wrote, quotes the message line by line, and lists extra fields", () => {
    const text = contactNotification({ name: "Jenny Rosen", email: "jenny@example.com", message: "Hello,\nI need a quote.", company: "Acme", seats: 12 });
    assert.equal(text, "New contact form message from Jenny Rosen (jenny@example.com)\n> Hello,\n> I need a quote.\ncompany: Acme\nseats: 12");
  });

  it("escapes what the visitor typed, so it cannot ping a channel or fake a link", () => {
    const text = contactNotification({ name: "<!channel>", email: "a@b.c", message: "<https://evil.example|click> & more" });
    assert.doesNotMatch(text, /<!channel>|<https/);
    assert.match(text, /&lt;!channel&gt;/);
    assert.match(text, /> &lt;https:\/\/evil\.example\|click&gt; &amp; more/);
  });

  it("copes with a submission that has no name, no email or no message, and skips empty fields", () => {
    assert.equal(contactNotification({ email: "a@b.c", phone: "", note: null }), "New contact form message from a@b.c\n> (no message)");
    assert.equal(contactNotification({}), "New contact form message from someone who left no name or email\n> (no message)");
  });

  it("cuts a very long message (the queue message keeps it whole)", () => {
    const text = contactNotification({ email: "a@b.c", message: "x".repeat(10_000) });
    assert.ok(text.length < 3_200);
    assert.match(text, /x…$/);
  });
});
