/**
 * Whether a value read back from the journal is a QueueRecord (messageQueue.ts),
 * field by field: valid JSON of another shape must never load as a message.
 * Keys the union does not name are ignored.
 */
import type { QueueRecord } from "./queueRecords.js";

type Fields = Record<string, unknown>;

const isId = (value: unknown): value is string => typeof value === "string" && value.length > 0;
const isText = (value: unknown): value is string => typeof value === "string";
/** A field added later (`st`, the error's stack): absent in older journals. */
const isOptionalText = (value: unknown): boolean => value === undefined || isText(value);
const isTime = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);
const isIds = (value: unknown): value is string[] => Array.isArray(value) && value.every(isId);
const isCount = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0;

/** Message attributes (`a`, added later: absent in older journals and on messages without any). */
const isAttributes = (value: unknown): boolean =>
  value === undefined ||
  (typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((a) => typeof a === "object" && a !== null && (a.dataType === "String" || a.dataType === "Number") && isText(a.value)));

const SHAPES: Record<QueueRecord["k"], (r: Fields) => boolean> = {
  e: (r) => isId(r.id) && isText(r.ty) && isText(r.b) && isTime(r.t) && isTime(r.v) && isAttributes(r.a),
  r: (r) => isIds(r.ids) && isTime(r.t) && isTime(r.v),
  d: (r) => isIds(r.ids),
  f: (r) => isId(r.id) && isText(r.err) && isOptionalText(r.st),
  x: (r) => isId(r.id) && isTime(r.t) && isText(r.err) && isOptionalText(r.st),
  m: (r) => isIds(r.ids) && isTime(r.t) && (r.nids === undefined || (isIds(r.nids) && r.nids.length === r.ids.length)),
  o: (r) => isIds(r.ids),
  v: (r) => isIds(r.ids) && isTime(r.v),
  p: (r) => isIds(r.ids),
  s: (r) =>
    isId(r.id) &&
    isText(r.ty) &&
    isText(r.b) &&
    isTime(r.t) &&
    isCount(r.c) &&
    isTime(r.fr) &&
    isTime(r.v) &&
    (r.dead === undefined || r.dead === 1) &&
    (r.dt === undefined || isTime(r.dt)) &&
    (r.err === undefined || isText(r.err)) &&
    isOptionalText(r.st) &&
    (r.rf === undefined || isId(r.rf)) &&
    isAttributes(r.a),
};

export function isQueueRecord(value: unknown): value is QueueRecord {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const fields = value as Fields;
  return typeof fields.k === "string" && Object.hasOwn(SHAPES, fields.k) && SHAPES[fields.k as QueueRecord["k"]](fields);
}
