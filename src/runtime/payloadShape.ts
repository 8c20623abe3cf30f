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
 * Dependency-free: it is bundled into the worker's image.
 */

/** What one value must be. Compact keys: the shapes travel in every bundle. */
export type Shape =
  | { k: "any" }
  | { k: "string" }
  | { k: "number" }
  | { k: "boolean" }
  | { k: "null" }
  | { k: "never" }
  | { k: "literal"; v: string | number | boolean }
  /** A template literal type (`order_${string}`) as a regular expression; `d` is how it reads in TypeScript. */
  | { k: "pattern"; re: string; d: string }
  | { k: "array"; of: Shape }
  /** `req` leading items are required; a rest element, if any, types the items after `items`. */
  | { k: "tuple"; items: Shape[]; req: number; rest?: Shape }
  /** Properties as [name, shape, optional]; `index` types the keys not listed (`[key: string]: T`). */
  | { k: "object"; props: Array<[string, Shape, boolean]>; index?: Shape }
  | { k: "union"; of: Shape[] }
  /** A named type of `defs` (interfaces, and the recursive types that need a name). */
  | { k: "ref"; name: string }
  /** A type JSON cannot carry (Date, bigint, Map, a function...): `d` is the type, `fix` what to declare instead. */
  | { k: "unsendable"; d: string; fix: string };

/** One message type's payload, and where it was declared (for error texts). */
export interface MessagePayloadShape {
  /** The interface's name, e.g. `OrderNewMessage`. */
  declaredAs: string;
  payload: Shape;
}

/** Everything derived from a project's @letsgo/types. */
export interface PayloadSchemas {
  /** Format version of this document. */
  v: 1;
  /** Message `type` value → its payload's shape. */
  messages: Record<string, MessagePayloadShape>;
  /** Named shapes that `ref` points to. */
  defs: Record<string, Shape>;
}

/** At most this many problems are listed for one payload; checking stops after one more. */
const MAX_LISTED_PROBLEMS = 5;

/**
 * What is wrong with `message.payload` for its `type`, as one line, or
 * undefined when it fits (or the type has no declared interface: then there is
 * nothing to check against, and nothing is refused).
 */
export function payloadProblem(schemas: PayloadSchemas | undefined, type: string, payload: unknown): string | undefined {
  const declared = schemas && Object.hasOwn(schemas.messages, type) ? schemas.messages[type] : undefined;
  if (!declared) return undefined;
  // The common case first: a walk that only answers yes or no, allocating nothing.
  if (matches(declared.payload, payload, schemas!.defs, 0)) return undefined;
  const problems: string[] = [];
  check(declared.payload, toJsonValue(payload), "payload", schemas!.defs, problems, 0);
  if (problems.length === 0) return undefined; // e.g. a Date where a string is declared: sent as its ISO string
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS).join("; ");
  const more = problems.length > MAX_LISTED_PROBLEMS ? "; and more" : "";
  return `${listed}${more} (${declared.declaredAs} in @letsgo/types)`;
}

/** Guards against a malformed schema or a pathological value: deeper than JSON can nest here. */
const MAX_DEPTH = 64;

function check(shape: Shape, value: unknown, path: string, defs: PayloadSchemas["defs"], problems: string[], depth: number): void {
  if (problems.length > MAX_LISTED_PROBLEMS || depth > MAX_DEPTH) return;
  const fail = () => problems.push(`${path}: expected ${describeShape(shape, defs)}, got ${describeValue(value)}`);
  switch (shape.k) {
    case "any":
      return;
    case "string":
      if (typeof value !== "string") fail();
      return;
    case "number":
      if (typeof value !== "number" || !Number.isFinite(value)) fail();
      return;
    case "boolean":
      if (typeof value !== "boolean") fail();
      return;
    case "null":
      if (value !== null) fail();
      return;
    case "never":
      if (value !== undefined) fail();
      return;
    case "literal":
      if (value !== shape.v) fail();
      return;
    case "pattern":
      if (typeof value !== "string" || !compiled(shape.re).test(value)) fail();
      return;
    case "unsendable":
      if (value !== undefined) problems.push(`${path}: ${shape.d} cannot travel in a JSON message (it would arrive as ${arrivesAs(shape.d)}); ${shape.fix}`);
      else fail();
      return;
    case "ref": {
      const target = defs[shape.name];
      // Not even an object: say the type's name, not its fields.
      if (target?.k === "object" && !isPlainObject(value)) return void fail();
      if (target) check(target, value, path, defs, problems, depth + 1);
      return;
    }
    case "array":
      if (!Array.isArray(value)) return void fail();
      for (let i = 0; i < value.length; i++) check(shape.of, value[i], `${path}[${i}]`, defs, problems, depth + 1);
      return;
    case "tuple": {
      if (!Array.isArray(value)) return void fail();
      const max = shape.rest ? Infinity : shape.items.length;
      if (value.length < shape.req || value.length > max) {
        const count = shape.req === max ? `${max}` : max === Infinity ? `at least ${shape.req}` : `${shape.req} to ${max}`;
        problems.push(`${path}: expected ${describeShape(shape, defs)} (${count} items), got ${value.length} items`);
        return;
      }
      for (let i = 0; i < value.length; i++) {
        const item = i < shape.items.length ? shape.items[i]! : shape.rest!;
        check(item, value[i], `${path}[${i}]`, defs, problems, depth + 1);
      }
      return;
    }
    case "object": {
      if (!isPlainObject(value)) return void fail();
      const listed = new Set<string>();
      for (const [name, propShape, optional] of shape.props) {
        listed.add(name);
        const item = Object.hasOwn(value, name) ? value[name] : undefined;
        if (item === undefined) {
          if (!optional) problems.push(`${pathTo(path, name)}: expected ${describeShape(propShape, defs)}, got nothing`);
          continue;
        }
        check(propShape, item, pathTo(path, name), defs, problems, depth + 1);
      }
      if (shape.index && shape.index.k !== "any") {
        for (const [name, item] of Object.entries(value)) {
          if (!listed.has(name) && item !== undefined) check(shape.index, item, pathTo(path, name), defs, problems, depth + 1);
        }
      }
      return;
    }
    case "union": {
      if (shape.of.some((member) => fits(member, value, defs, depth))) return;
      // One object member left once the literal fields (discriminants) are matched:
      // its own problems say more than the whole union does.
      const candidates = shape.of.filter((member) => sameKind(member, value, defs));
      if (candidates.length === 1 && isPlainObject(value)) return check(candidates[0]!, value, path, defs, problems, depth + 1);
      const discriminated = candidates.filter((member) => literalsMatch(member, value, defs));
      if (discriminated.length === 1) return check(discriminated[0]!, value, path, defs, problems, depth + 1);
      return void fail();
    }
  }
}

const patterns = new Map<string, RegExp>();

function compiled(source: string): RegExp {
  let pattern = patterns.get(source);
  if (!pattern) patterns.set(source, (pattern = new RegExp(source)));
  return pattern;
}

function fits(shape: Shape, value: unknown, defs: PayloadSchemas["defs"], depth: number): boolean {
  return matches(shape, value, defs, depth + 1);
}

/** Whether `value` fits `shape`: check() without the paths and texts, for the common case and for union members. */
function matches(shape: Shape, value: unknown, defs: PayloadSchemas["defs"], depth: number): boolean {
  if (depth > MAX_DEPTH) return true;
  switch (shape.k) {
    case "any":
      return true;
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "boolean":
      return typeof value === "boolean";
    case "null":
      return value === null;
    case "never":
    case "unsendable":
      return value === undefined;
    case "literal":
      return value === shape.v;
    case "pattern":
      return typeof value === "string" && compiled(shape.re).test(value);
    case "ref": {
      const target = defs[shape.name];
      return target === undefined || matches(target, value, defs, depth + 1);
    }
    case "array":
      if (!Array.isArray(value)) return false;
      for (let i = 0; i < value.length; i++) if (!matches(shape.of, value[i], defs, depth + 1)) return false;
      return true;
    case "tuple": {
      if (!Array.isArray(value) || value.length < shape.req || (!shape.rest && value.length > shape.items.length)) return false;
      for (let i = 0; i < value.length; i++) if (!matches(i < shape.items.length ? shape.items[i]! : shape.rest!, value[i], defs, depth + 1)) return false;
      return true;
    }
    case "object": {
      if (!isPlainObject(value)) return false;
      const props = shape.props;
      for (let i = 0; i < props.length; i++) {
        const [name, propShape, optional] = props[i]!;
        const item = Object.hasOwn(value, name) ? value[name] : undefined;
        if (item === undefined ? !optional : !matches(propShape, item, defs, depth + 1)) return false;
      }
      if (shape.index && shape.index.k !== "any") {
        for (const name in value) {
          if (!Object.hasOwn(value, name) || props.some(([listed]) => listed === name)) continue;
          const item = value[name];
          if (item !== undefined && !matches(shape.index, item, defs, depth + 1)) return false;
        }
      }
      return true;
    }
    case "union":
      for (const member of shape.of) if (matches(member, value, defs, depth + 1)) return true;
      return false;
  }
}

/** Whether `value` is of the member's JSON kind (object, array, string...), whatever its contents. */
function sameKind(shape: Shape, value: unknown, defs: PayloadSchemas["defs"]): boolean {
  const resolved = shape.k === "ref" ? defs[shape.name] : shape;
  if (!resolved) return false;
  switch (resolved.k) {
    case "object":
      return isPlainObject(value);
    case "array":
    case "tuple":
      return Array.isArray(value);
    default:
      return false;
  }
}

/** For an object member: every literal-typed property the value has agrees with it. */
function literalsMatch(shape: Shape, value: unknown, defs: PayloadSchemas["defs"]): boolean {
  const resolved = shape.k === "ref" ? defs[shape.name] : shape;
  if (resolved?.k !== "object" || !isPlainObject(value)) return false;
  const literals = resolved.props.filter(([, prop]) => prop.k === "literal");
  return literals.length > 0 && literals.every(([name, prop]) => value[name] === (prop as { v: unknown }).v);
}

/** How a shape reads in an error: as TypeScript would write it, short. */
export function describeShape(shape: Shape, defs: PayloadSchemas["defs"] = {}, depth = 0): string {
  switch (shape.k) {
    case "any":
      return "any";
    case "string":
    case "number":
    case "boolean":
    case "null":
    case "never":
      return shape.k;
    case "literal":
      return JSON.stringify(shape.v);
    case "pattern":
      return `a string like ${shape.d}`;
    case "unsendable":
      return shape.d;
    case "ref":
      return shape.name.replace(/#\d+$/, "");
    case "array": {
      const item = describeShape(shape.of, defs, depth + 1);
      return shape.of.k === "union" ? `(${item})[]` : `${item}[]`;
    }
    case "tuple": {
      const items = shape.items.map((item, i) => `${describeShape(item, defs, depth + 1)}${i >= shape.req ? "?" : ""}`);
      if (shape.rest) items.push(`...${describeShape({ k: "array", of: shape.rest }, defs, depth + 1)}`);
      return `[${items.join(", ")}]`;
    }
    case "object":
      if (depth > 1 || shape.props.length === 0) return "object";
      return `{ ${shape.props.map(([name, prop, optional]) => `${name}${optional ? "?" : ""}: ${describeShape(prop, defs, depth + 1)}`).join("; ")} }`;
    case "union": {
      // As TypeScript prints them: numbers in order, null last.
      const ordered = [...shape.of].sort((a, b) => rank(a) - rank(b) || (a.k === "literal" && b.k === "literal" && typeof a.v === "number" && typeof b.v === "number" ? a.v - b.v : 0));
      const members = ordered.map((member) => describeShape(member, defs, depth + 1));
      return members.length > 8 ? `${members.slice(0, 8).join(" | ")} | … (${members.length} in all)` : members.join(" | ");
    }
  }
}

function rank(shape: Shape): number {
  return shape.k === "null" ? 1 : 0;
}

/** How a value reads in an error: JSON for scalars (cut short), its kind for the rest. */
function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return value.length > 40 ? `${JSON.stringify(value.slice(0, 40)).slice(0, -1)}…"` : JSON.stringify(value);
  return String(value);
}

function arrivesAs(typeName: string): string {
  return typeName === "Date" ? "a string" : typeName === "Map" || typeName === "Set" ? "{}" : "something else, or not at all";
}

/** A property's path: `payload.items[2].sku`, or `payload["a-b"]` for names that are not identifiers. */
function pathTo(path: string, name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`;
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
  if (depth > MAX_DEPTH) return false;
  for (const item of Array.isArray(value) ? value : Object.values(value)) {
    if (typeof item !== "object" || item === null) continue;
    if (typeof (item as { toJSON?: unknown }).toJSON === "function" || hasToJsonInside(item, depth + 1)) return true;
  }
  return false;
}

/** The process-global slot the worker's bundle fills before the user's code loads (see ../image/bundle.ts). */
export const PAYLOAD_SCHEMAS_KEY = Symbol.for("letsgo-worker.payloadSchemas");

type Slot = { [PAYLOAD_SCHEMAS_KEY]?: PayloadSchemas };

/** Install the schemas every copy of the runtime in this process checks against (undefined removes them). */
export function setPayloadSchemas(schemas: PayloadSchemas | undefined): void {
  if (schemas) (globalThis as Slot)[PAYLOAD_SCHEMAS_KEY] = schemas;
  else delete (globalThis as Slot)[PAYLOAD_SCHEMAS_KEY];
}

export function installedPayloadSchemas(): PayloadSchemas | undefined {
  return (globalThis as Slot)[PAYLOAD_SCHEMAS_KEY];
}
