/**
 * The Slack text for a contact-form submission (`letsgo:contact`): who wrote,
 * what they wrote (quoted), and any extra fields the form sent. Everything the
 * visitor typed is escaped, so a message cannot ping a channel or fake a link.
 */
import { escapeSlackText as esc } from "./slack.js";

/** What a contact form sends; forms may add fields of their own. */
export interface ContactPayload {
  name?: string;
  email?: string;
  message?: string;
  [field: string]: unknown;
}

/** Long messages are cut: the full text stays in the queue message, and Slack caps a text at 40,000 characters. */
const MAX_MESSAGE_CHARS = 3_000;
const MAX_FIELD_CHARS = 300;

export function contactNotification(payload: ContactPayload): string {
  const { name, email, message, ...extra } = payload ?? {};
  const [n, e] = [text(name), text(email)];
  const who = n && e ? `${n} (${e})` : n || e || "someone who left no name or email";
  const lines = [`New contact form message from ${esc(who)}`];
  const body = text(message);
  lines.push(body ? quote(clip(body, MAX_MESSAGE_CHARS)) : "> (no message)");
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined || value === null || value === "") continue;
    const shown = typeof value === "string" ? value : JSON.stringify(value);
    lines.push(`${esc(key)}: ${esc(clip(shown, MAX_FIELD_CHARS))}`);
  }
  return lines.join("\n");
}

function text(value: unknown): string {
  return typeof value === "string" ? value.trim() : "";
}

function quote(body: string): string {
  return esc(body)
    .split(/\r?\n/)
    .map((line) => `> ${line}`)
    .join("\n");
}

function clip(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}
