/**
 * Comparing what AWS has with what we want. Values are normalised first (JSON
 * documents parsed, attribute numbers as strings, key order ignored) so that a
 * re-deploy with nothing changed finds no difference.
 */

/** What happened to a secret, the only thing a plan says of it. */
export type SecretChangeKind = "added" | "changed" | "removed";

export interface FieldChange {
  field: string;
  /** The value before and after; both absent when `secret` is set. */
  from?: unknown;
  to?: unknown;
  /** Set when the value is a secret: the change carries no value, only what happened. */
  secret?: SecretChangeKind;
}

/** A change to a secret: present before (`had`) and after (`has`), never its values. */
export function secretChange(field: string, had: boolean, has: boolean): FieldChange {
  return { field, secret: !had ? "added" : !has ? "removed" : "changed" };
}

/** Parse a JSON document (policies may arrive URL-encoded from IAM). */
export function parseJsonDocument(text: string | undefined): unknown {
  if (text === undefined || text === "") return undefined;
  let raw = text;
  if (!raw.trimStart().startsWith("{") && raw.includes("%")) raw = decodeURIComponent(raw);
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** A canonical form: object keys sorted, one-element arrays in IAM policies kept as they are. */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined) out[key] = canonical(item);
    }
    return out;
  }
  return value;
}

export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/**
 * The fields of `desired` whose value differs from `current`. Only the desired
 * fields are compared: AWS returns many more that we do not manage.
 */
export function diffFields(current: Record<string, unknown>, desired: Record<string, unknown>): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const [field, to] of Object.entries(desired)) {
    const from = current[field];
    if (!sameValue(from, to)) changes.push({ field, from, to });
  }
  return changes;
}

/** Tags to add or change, and tag keys to remove (only our own `letsgo*` keys are removed). */
export function diffTags(
  current: Record<string, string> | undefined,
  desired: Record<string, string>,
): { set: Record<string, string>; remove: string[] } {
  const have = current ?? {};
  const set: Record<string, string> = {};
  for (const [key, value] of Object.entries(desired)) if (have[key] !== value) set[key] = value;
  const remove = Object.keys(have).filter((key) => key.startsWith("letsgo") && !(key in desired));
  return { set, remove };
}

export function tagChanges(current: Record<string, string> | undefined, desired: Record<string, string>): FieldChange[] {
  const { set, remove } = diffTags(current, desired);
  return Object.keys(set).length > 0 || remove.length > 0 ? [{ field: "Tags", from: current ?? {}, to: desired }] : [];
}

/** Short text for a changed value in the plan; secrets never reach it. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "(none)";
  const text = typeof value === "string" ? value : JSON.stringify(canonical(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
