/**
 * How shapes and values read in a payload check's error text
 * (./payloadShape.ts): types as TypeScript writes them, short; values as JSON.
 */
import type { PayloadSchemas, Shape } from "./payloadShapeTypes.js";

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
    case "bigint":
      return shape.k;
    case "literal":
      return JSON.stringify(shape.v);
    case "tpl":
    case "pattern":
      return `a string like ${shape.d}`;
    case "case":
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
      for (const item of shape.tail ?? []) items.push(describeShape(item, defs, depth + 1));
      return `[${items.join(", ")}]`;
    }
    case "object":
      if (depth > 1 || shape.props.length === 0) return shape.props.length === 0 && !shape.keys && !shape.index ? "{}" : "object";
      return `{ ${shape.props.filter((prop) => prop.length === 3).map(([name, prop, optional]) => `${name}${optional ? "?" : ""}: ${describeShape(prop, defs, depth + 1)}`).join("; ")} }`;
    case "all":
      return shape.of.map((member) => describeShape(member, defs, depth + 1)).join(" & ");
    case "union": {
      // As TypeScript prints them: numbers in order, null last.
      const ordered = [...shape.of].sort((a, b) => rank(a) - rank(b) || (a.k === "literal" && b.k === "literal" && typeof a.v === "number" && typeof b.v === "number" ? a.v - b.v : 0));
      const members = ordered.map((member) => describeShape(member, defs, depth + 1));
      return members.length > 8 ? `${members.slice(0, 8).join(" | ")} | … (${members.length} in all)` : members.join(" | ");
    }
    default:
      return "a newer type";
  }
}

function rank(shape: Shape): number {
  return shape.k === "null" ? 1 : 0;
}

/** How a value reads in an error: JSON for scalars (cut short), its kind for the rest. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return value.length > 40 ? `${JSON.stringify(value.slice(0, 40)).slice(0, -1)}…"` : JSON.stringify(value);
  return String(value);
}

/** A property's path: `payload.items[2].sku`, or `payload["a-b"]` for names that are not identifiers. */
export function pathTo(path: string, name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`;
}
