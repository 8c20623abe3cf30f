/**
 * Payloads checked against the project's own types. `letsgo-worker` reads the
 * `XMessage` interfaces of @letsgo/types with the TypeScript checker
 * (../project/payloadSchemas.ts) and writes what each payload must look like as
 * plain JSON, the shapes below; this module checks a value against them. It is
 * the one check for every place a message passes (the app's enqueue(), the CLI,
 * dev's `POST /`, and the runtime before a handler, in dev and in the image), so
 * a bad payload reads the same wherever it is caught:
 *
 *   payload.totalCents: expected number, got "heavy"
 *
 * The verdict is the checker's: a payload passes exactly when TypeScript would
 * accept it written as a literal (extra fields allowed), under the JSON rules in
 * the README (test/payloadOracle.test.ts holds the two side by side).
 *
 * Dependency-free: it is bundled into the worker's image.
 */
import { processSlot } from "./processSlot.js";
import { MAX_JSON_DEPTH } from "./messageRules.js";
import { describeShape, describeValue, pathTo } from "./payloadShapeText.js";
import { keyFits, stringFits } from "./stringShapes.js";
import type { ObjectShape, PayloadSchemas, Shape } from "./payloadShapeTypes.js";

export { describeShape } from "./payloadShapeText.js";

type Defs = PayloadSchemas["defs"];

/** At most this many problems are listed for one payload; checking stops after one more. */
const MAX_LISTED_PROBLEMS = 5;

/**
 * Values are checked to this depth: past every door's limit (MAX_JSON_DEPTH),
 * so whatever a door lets in is checked to its leaves.
 */
const MAX_CHECKED_DEPTH = MAX_JSON_DEPTH + 2;

/**
 * What is wrong with `message.payload` for its `type`, as one line, or
 * undefined when it fits (or the type has no declared interface: then there is
 * nothing to check against, and nothing is refused).
 */
export function payloadProblem(schemas: PayloadSchemas | undefined, type: string, payload: unknown): string | undefined {
  const declared = schemas && Object.hasOwn(schemas.messages, type) ? schemas.messages[type] : undefined;
  if (!declared) return undefined;
  // The common case first: a walk that only answers yes or no, allocating nothing.
  if (walk(declared.payload, payload, schemas!.defs, 0, false, undefined, undefined)) return undefined;
  const problems: string[] = [];
  const value = toJsonValue(payload);
  if (walk(declared.payload, value, schemas!.defs, 0, false, "payload", problems) || problems.length === 0) return undefined; // e.g. a Date sent as its ISO string
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS).join("; ");
  const more = problems.length > MAX_LISTED_PROBLEMS ? "; and more" : "";
  return `${listed}${more} (${declared.declaredAs} in @letsgo/types)`;
}

/**
 * Whether `value` fits `shape`. Without `problems` it answers yes or no and
 * stops at the first misfit; with them it also says what and where (`path`),
 * up to MAX_LISTED_PROBLEMS + 1.
 */
function walk(shape: Shape, value: unknown, defs: Defs, depth: number, loose: boolean, path: string | undefined, problems: string[] | undefined): boolean {
  // No closure here: walk runs once per value, on the hot path of every message.
  switch (shape.k) {
    case "any":
      return true;
    case "string":
      return typeof value === "string" || misfit(shape, value, defs, path, problems);
    case "number":
      return (typeof value === "number" && Number.isFinite(value)) || misfit(shape, value, defs, path, problems);
    case "boolean":
      return typeof value === "boolean" || misfit(shape, value, defs, path, problems);
    case "null":
      return value === null || misfit(shape, value, defs, path, problems);
    case "never":
      return value === undefined || misfit(shape, value, defs, path, problems);
    case "literal":
      return value === shape.v || misfit(shape, value, defs, path, problems);
    case "tpl":
    case "case":
    case "pattern":
      return (typeof value === "string" && stringFits(shape, value)) || misfit(shape, value, defs, path, problems);
    case "bigint":
      return misfit(shape, value, defs, path, problems);
    case "unsendable":
      if (value === undefined) return true;
      problems?.push(`${path}: ${shape.d} cannot travel in a JSON message (it would arrive as ${arrivesAs(shape.d)}); ${shape.fix}`);
      return false;
    case "ref": {
      const target = resolve(shape, defs);
      if (!target) return true; // a name this schema does not define: nothing to hold the value to
      // Not even the right kind of value: say the type's name, not its fields.
      if (problems && target.k === "object" && !kindFits(target, value, loose)) return misfit(shape, value, defs, path, problems);
      return walk(target, value, defs, depth, loose, path, problems);
    }
    case "array":
      if (!Array.isArray(value)) return misfit(shape, value, defs, path, problems);
      return itemsFit(shape.of, value, defs, depth, loose, path, problems);
    case "tuple":
      if (!Array.isArray(value)) return misfit(shape, value, defs, path, problems);
      return tupleFits(shape, value, defs, depth, loose, path, problems);
    case "object":
      if (!kindFits(shape, value, loose)) return misfit(shape, value, defs, path, problems);
      return objectFits(shape, value, defs, depth, loose, path, problems);
    case "all":
      for (const member of shape.of) if (!walk(member, value, defs, depth, true, path, problems)) return false;
      return true;
    case "union": {
      const reported = problems?.length;
      if (unionFits(shape.of, value, defs, depth, loose, path, problems)) return true;
      return problems?.length !== reported ? false : misfit(shape, value, defs, path, problems); // unionFits may have said it better
    }
    default:
      return true; // a shape from a newer version of the tool: checked there, not here
  }
}

function misfit(shape: Shape, value: unknown, defs: Defs, path: string | undefined, problems: string[] | undefined): false {
  problems?.push(`${path}: expected ${describeShape(shape, defs)}, got ${describeValue(value)}`);
  return false;
}

/** A ref's shape (following refs to refs a few steps, never forever). */
function resolve(shape: Extract<Shape, { k: "ref" }>, defs: Defs): Shape | undefined {
  let target: Shape | undefined = Object.hasOwn(defs, shape.name) ? defs[shape.name] : undefined;
  for (let hops = 0; target?.k === "ref" && hops < 16; hops++) target = Object.hasOwn(defs, target.name) ? defs[target.name] : undefined;
  return target?.k === "ref" ? undefined : target;
}

function tooDeep(path: string | undefined, problems: string[] | undefined): false {
  problems?.push(`${path}: nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep; flatten it`);
  return false;
}

function itemsFit(item: Shape, value: unknown[], defs: Defs, depth: number, loose: boolean, path: string | undefined, problems: string[] | undefined): boolean {
  if (depth >= MAX_CHECKED_DEPTH) return tooDeep(path, problems);
  let ok = true;
  for (let i = 0; i < value.length; i++) {
    if (walk(item, value[i], defs, depth + 1, loose, problems && `${path}[${i}]`, problems)) continue;
    if (!problems || problems.length > MAX_LISTED_PROBLEMS) return false;
    ok = false;
  }
  return ok;
}

function tupleFits(shape: Extract<Shape, { k: "tuple" }>, value: unknown[], defs: Defs, depth: number, loose: boolean, path: string | undefined, problems: string[] | undefined): boolean {
  if (depth >= MAX_CHECKED_DEPTH) return tooDeep(path, problems);
  const tail = shape.tail ?? [];
  const min = shape.req + tail.length;
  const max = shape.rest ? Infinity : shape.items.length;
  if (value.length < min || value.length > max) {
    const count = min === max ? `${max}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    problems?.push(`${path}: expected ${describeShape(shape, defs)} (${count} items), got ${value.length} items`);
    return false;
  }
  // Where each item goes, as the checker places them: the leading items, then from the end the tail, the rest between.
  let ok = true;
  for (let i = 0; i < value.length; i++) {
    const fromEnd = value.length - 1 - i;
    const item = i < shape.items.length ? shape.items[i]! : fromEnd < tail.length ? tail[tail.length - 1 - fromEnd]! : shape.rest!;
    if (walk(item, value[i], defs, depth + 1, loose, problems && `${path}[${i}]`, problems)) continue;
    if (!problems || problems.length > MAX_LISTED_PROBLEMS) return false;
    ok = false;
  }
  return ok;
}

/** Whether a value is of a kind the object type admits at all: an object, or a primitive or array it takes. */
function kindFits(shape: ObjectShape, value: unknown, loose: boolean): boolean {
  if (isPlainObject(value)) return true;
  const admitted = loose && shape.loose ? shape.loose : shape;
  if (Array.isArray(value)) return admitted.items !== undefined;
  const kind = typeof value === "string" ? "s" : typeof value === "number" ? "n" : typeof value === "boolean" ? "b" : "";
  return kind !== "" && (admitted.prims?.includes(kind) ?? false);
}

/** An object type against a value of a kind it admits (kindFits). */
function objectFits(shape: ObjectShape, value: unknown, defs: Defs, depth: number, loose: boolean, path: string | undefined, problems: string[] | undefined): boolean {
  if (!isPlainObject(value)) {
    if (!Array.isArray(value)) return true;
    let ok = true;
    for (const item of (loose && shape.loose ? shape.loose : shape).items!) {
      if (itemsFit(item, value, defs, depth, loose || shape.meet === true, path, problems)) continue;
      if (!problems) return false;
      ok = false;
    }
    return ok;
  }
  if (depth >= MAX_CHECKED_DEPTH) return tooDeep(path, problems);
  if (shape.empty && isEmpty(value)) return true;
  // Through an intersection's index signatures the checker relates each part on its own, with no weak-type rule below.
  const viaIndex = loose || shape.meet === true;
  let ok = true;
  const props = shape.props;
  for (let i = 0; i < props.length; i++) {
    const [name, propShape, optional, partwise] = props[i]!;
    const item = Object.hasOwn(value, name) ? value[name] : undefined;
    if (item === undefined) {
      if (optional || (loose && shape.absentIfLoose?.includes(name))) continue;
      if (!problems) return false;
      problems.push(`${pathTo(path!, name)}: expected ${describeShape(propShape, defs)}, got nothing`);
      ok = false;
    } else if (!walk(propShape, item, defs, depth + 1, loose || partwise === 1, problems && pathTo(path!, name), problems)) {
      if (!problems || problems.length > MAX_LISTED_PROBLEMS) return false;
      ok = false;
    }
  }
  if (shape.weak && !loose && !sharesAField(shape, value)) {
    problems?.push(`${path}: expected ${describeShape(shape, defs)}, got an object with none of its fields`);
    return false;
  }
  const keys = shape.keys;
  if (keys) {
    for (const name in value) {
      if (!Object.hasOwn(value, name) || value[name] === undefined) continue;
      for (let i = 0; i < keys.length; i++) {
        const [key, itemShape] = keys[i]!;
        if (itemShape.k === "any" || !keyFits(key, name)) continue;
        if (walk(itemShape, value[name], defs, depth + 1, viaIndex, problems && pathTo(path!, name), problems)) continue;
        if (!problems || problems.length > MAX_LISTED_PROBLEMS) return false;
        ok = false;
      }
    }
  }
  if (shape.index && shape.index.k !== "any") {
    for (const name in value) {
      if (!Object.hasOwn(value, name) || value[name] === undefined || props.some(([listed]) => listed === name)) continue;
      if (walk(shape.index, value[name], defs, depth + 1, viaIndex, problems && pathTo(path!, name), problems)) continue;
      if (!problems || problems.length > MAX_LISTED_PROBLEMS) return false;
      ok = false;
    }
  }
  return ok;
}

/** The checker's weak-type rule: an object with no fields passes; one with fields needs one of the type's. */
function sharesAField(shape: ObjectShape, value: Record<string, unknown>): boolean {
  let hasFields = false;
  for (const name in value) {
    if (!Object.hasOwn(value, name)) continue;
    hasFields = true;
    if (shape.props.some(([listed]) => listed === name)) return true;
  }
  return !hasFields;
}

function unionFits(members: Shape[], value: unknown, defs: Defs, depth: number, loose: boolean, path: string | undefined, problems: string[] | undefined): boolean {
  for (let i = 0; i < members.length; i++) if (walk(members[i]!, value, defs, depth, loose, undefined, undefined)) return true;
  if (!problems) return false;
  // No member fits. Point at the member the value was meant to be, if one can be told:
  // the only one of its kind, or the only object whose discriminants (unit-typed fields) it matches.
  const candidates = members.filter((member) => sameKind(member, value, defs));
  if (candidates.length === 1 && (isPlainObject(value) || Array.isArray(value))) return walk(candidates[0]!, value, defs, depth, loose, path, problems);
  if (!isPlainObject(value)) return false;
  const objects = candidates.map((member) => asObject(member, defs)).filter((member): member is ObjectShape => member !== undefined);
  const discriminated = objects.filter((member) => discriminantsMatch(member, value, defs));
  if (discriminated.length === 1) return walk(discriminated[0]!, value, defs, depth, loose, path, problems);
  // None matches: the discriminant itself is what is wrong, if the members share one.
  const shared = discriminated.length === 0 ? sharedDiscriminant(objects, defs) : undefined;
  if (shared && value[shared] !== undefined) {
    const allowed: Shape = { k: "union", of: objects.map((member) => member.props.find(([name]) => name === shared)![1]) };
    problems.push(`${pathTo(path!, shared)}: expected ${describeShape(allowed, defs)}, got ${describeValue(value[shared])}`);
    return false;
  }
  return false;
}

/** A unit type: one value or a few (a literal, null, or a union of them), the mark of a discriminant. */
function isUnit(shape: Shape): boolean {
  return shape.k === "literal" || shape.k === "null" || (shape.k === "union" && shape.of.every((member) => member.k === "literal" || member.k === "null"));
}

function discriminantsMatch(shape: ObjectShape, value: Record<string, unknown>, defs: Defs): boolean {
  let found = false;
  for (const [name, prop, optional] of shape.props) {
    if (!isUnit(prop)) continue;
    const item = value[name];
    if (item === undefined ? !optional : !walk(prop, item, defs, 0, false, undefined, undefined)) return false;
    found ||= item !== undefined;
  }
  return found;
}

function sharedDiscriminant(objects: ObjectShape[], defs: Defs): string | undefined {
  if (objects.length < 2) return undefined;
  void defs;
  return objects[0]!.props.find(([name, prop]) => isUnit(prop) && objects.every((member) => member.props.some(([other, otherProp]) => other === name && isUnit(otherProp))))?.[0];
}

function asObject(shape: Shape, defs: Defs): ObjectShape | undefined {
  const resolved = shape.k === "ref" ? resolve(shape, defs) : shape;
  return resolved?.k === "object" ? resolved : undefined;
}

/** Whether `value` is of the member's JSON kind (object, array), whatever its contents. */
function sameKind(shape: Shape, value: unknown, defs: Defs): boolean {
  const resolved = shape.k === "ref" ? resolve(shape, defs) : shape;
  switch (resolved?.k) {
    case "object":
      return isPlainObject(value);
    case "array":
    case "tuple":
      return Array.isArray(value);
    default:
      return false;
  }
}

function arrivesAs(typeName: string): string {
  return typeName === "Date" ? "a string" : typeName === "Map" || typeName === "Set" ? "{}" : "something else, or not at all";
}

function isEmpty(value: Record<string, unknown>): boolean {
  for (const name in value) if (Object.hasOwn(value, name)) return false;
  return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A value as the handler will see it after JSON: what enqueue() is given may
 * still hold a Date or another object with toJSON (a Date becomes its ISO
 * string on the way). Only values with toJSON are converted; plain data is
 * checked as it is, without a copy.
 */
function toJsonValue(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return toJsonValue((value as { toJSON(): unknown }).toJSON());
  if (!hasToJsonInside(value, 0)) return value;
  return JSON.parse(JSON.stringify(value));
}

function hasToJsonInside(value: object, depth: number): boolean {
  if (depth > MAX_CHECKED_DEPTH) return false;
  for (const item of Array.isArray(value) ? value : Object.values(value)) {
    if (typeof item !== "object" || item === null) continue;
    if (typeof (item as { toJSON?: unknown }).toJSON === "function" || hasToJsonInside(item, depth + 1)) return true;
  }
  return false;
}

/** The process-global slot the worker's bundle fills before the user's code loads (see ../image/bundle.ts). */
const installed = processSlot<PayloadSchemas>("payloadSchemas");

/** Install the schemas every copy of the runtime in this process checks against (undefined removes them). */
export function setPayloadSchemas(schemas: PayloadSchemas | undefined): void {
  installed.set(schemas);
}

export function installedPayloadSchemas(): PayloadSchemas | undefined {
  return installed.get();
}
