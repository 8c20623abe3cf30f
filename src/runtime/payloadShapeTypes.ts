/** The shapes payloads are checked against: plain JSON, written by the CLI from the project's types and bundled into every worker. */
/** The string mappings TypeScript has intrinsics for. */
export type CaseMapping = "Uppercase" | "Lowercase" | "Capitalize" | "Uncapitalize";

/** What one value must be. Compact keys: the shapes travel in every bundle. */
export type Shape =
  | { k: "any" }
  | { k: "string" }
  | { k: "number" }
  | { k: "boolean" }
  | { k: "null" }
  | { k: "never" }
  | { k: "literal"; v: string | number | boolean }
  /** A template literal type (`order_${string}`): the texts around its holes; `d` is how it reads in TypeScript. */
  | { k: "tpl"; texts: string[]; holes: Shape[]; d: string }
  /** Uppercase<T>, Lowercase<T>, Capitalize<T>, Uncapitalize<T> of a string type. */
  | { k: "case"; m: CaseMapping; of: Shape; d: string }
  /** Only as a template's hole (`${bigint}`): the digits of a bigint. */
  | { k: "bigint" }
  /** A template literal as a regular expression, as versions before the `tpl` shape wrote it. */
  | { k: "pattern"; re: string; d: string }
  | { k: "array"; of: Shape }
  /**
   * `items` lead, the first `req` of them required; a rest element, if any,
   * types the items between them and the `tail` (`[string, ...number[], boolean]`).
   */
  | { k: "tuple"; items: Shape[]; req: number; rest?: Shape; tail?: Shape[] }
  | ObjectShape
  | { k: "union"; of: Shape[] }
  /** An intersection whose parts do not merge into one object (an array and an object): the value must fit each part, as the checker relates them on their own. */
  | { k: "all"; of: Shape[] }
  /** A named type of `defs` (interfaces, aliases, and recursive types). */
  | { k: "ref"; name: string }
  /** A type JSON cannot carry (Date, bigint, Map, a function...): `d` is the type, `fix` what to declare instead. */
  | { k: "unsendable"; d: string; fix: string };

export interface ObjectShape {
  k: "object";
  /**
   * Properties as [name, shape, optional]; optional also when its type admits
   * undefined, or every object has it. A fourth item (1) marks one part's own
   * field of an intersection, held as the checker holds a part: without the
   * weak-type rule below it.
   */
  props: Array<[string, Shape, boolean] | [string, Shape, boolean, 1]>;
  /** Fields every object has (toString...) that may be absent only below an intersection, where the weak-type rule is off. */
  absentIfLoose?: string[];
  /** Index signatures as [key, value]: every key of the value that `key` covers must fit `value`. */
  keys?: Array<[Shape, Shape]>;
  /** A type whose properties are all optional: an object with fields, none of them its own, is refused. */
  weak?: true;
  /** A mapped type adding `?` (Partial<T>): the checker takes `{}` for it without looking further. */
  empty?: true;
  /**
   * An intersection (`A & B`). The checker relates a value to each part on its
   * own, without the weak-type rule below, then the fields to the whole: what
   * comes through an index signature is held to no weak-type rule at any depth.
   * `loose` says which primitives and arrays a weak type admits there.
   */
  meet?: true;
  loose?: { prims?: string; items?: Shape[] };
  /** Primitives the type admits through their methods ("s" string, "n" number, "b" boolean): `{}`, `{ length?: number }`. */
  prims?: string;
  /** Arrays the type admits (`object`, `{}`, `{ [n: number]: T }`): each item must fit all of these. */
  items?: Shape[];
  /** Earlier versions' string index signature, over the keys not in `props`. */
  index?: Shape;
}

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
  /** Every message type the project declares (its MessageType enum and its message interfaces): the app's enqueue() refuses others. */
  types?: string[];
  /** The project's name (its root package.json's): the app names it to a dev worker, which refuses another project's messages. */
  project?: string;
}
