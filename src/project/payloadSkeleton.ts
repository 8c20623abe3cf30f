/**
 * A payload that fits a message type's declared shape, with placeholder values
 * (required fields only): the example `dev` prints in its banner, a starting
 * point to edit rather than a blank `{}` that its own check would refuse.
 */
import type { PayloadSchemas, Shape } from "../runtime/payloadShapeTypes.js";
import { applyCase } from "../runtime/stringShapes.js";

/** Named types referring to themselves stop here (their optional fields already stop most). */
const MAX_DEPTH = 6;

export function payloadSkeleton(schemas: PayloadSchemas, type: string): unknown {
  const declared = Object.hasOwn(schemas.messages, type) ? schemas.messages[type] : undefined;
  return declared ? skeleton(declared.payload, schemas.defs, 0) : {};
}

function skeleton(shape: Shape, defs: PayloadSchemas["defs"], depth: number): unknown {
  if (depth > MAX_DEPTH) return null;
  switch (shape.k) {
    case "string":
      return "";
    case "number":
      return 0;
    case "boolean":
      return false;
    case "null":
    case "any":
    case "never":
    case "unsendable":
      return null;
    case "literal":
      return shape.v;
    case "pattern":
      // `order_${string}` → "order_", `v${number}` → "v0"
      return shape.d.slice(1, -1).replace(/\$\{number\}/g, "0").replace(/\$\{[^}]*\}/g, "");
    case "tpl":
    case "case":
    case "bigint":
      return text(shape);
    case "array":
      return [];
    case "tuple":
      return [...shape.items.slice(0, shape.req), ...(shape.tail ?? [])].map((item) => skeleton(item, defs, depth + 1));
    case "object":
      return Object.fromEntries(shape.props.filter((prop) => prop.length === 3 && !prop[2]).map(([name, prop]) => [name, skeleton(prop, defs, depth + 1)]));
    case "union": {
      const first = shape.of.find((member) => member.k !== "null") ?? shape.of[0]!;
      return skeleton(first, defs, depth + 1);
    }
    case "all": {
      // An array part wins (an object part's fields would not survive on an array); else the parts' fields together.
      const parts = shape.of.map((member) => skeleton(member, defs, depth + 1));
      return parts.find(Array.isArray) ?? Object.assign({}, ...parts.filter((part) => typeof part === "object" && part !== null));
    }
    case "ref": {
      const target = defs[shape.name];
      return target ? skeleton(target, defs, depth + 1) : null;
    }
    default:
      return null;
  }
}

/** The shortest text a string type takes: each `${string}` empty, each `${number}` and `${bigint}` "0". */
function text(shape: Shape): string {
  switch (shape.k) {
    case "tpl":
      return shape.texts.map((part, i) => part + (i < shape.holes.length ? text(shape.holes[i]!) : "")).join("");
    case "case":
      return applyCase(shape.m, text(shape.of));
    case "number":
    case "bigint":
      return "0";
    case "literal":
      return String(shape.v);
    case "boolean":
      return "true";
    case "null":
      return "null";
    case "union":
      return shape.of.length > 0 ? text(shape.of[0]!) : "";
    default:
      return "";
  }
}
