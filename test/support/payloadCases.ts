/**
 * Generated payload types and values near their edges, for the differential
 * test against the TypeScript checker (./payloadOracle.ts). Built with
 * fast-check's imperative generator (fc.gen), so a run is reproducible from
 * its seed.
 *
 * The types cover every construct the derivation claims: primitives and
 * literals; optional, `| undefined` and `| null` fields; string and numeric
 * enums; unions and discriminated unions; intersections (with conflicting
 * discriminants, reduced to never); arrays and readonly arrays; tuples with
 * optional, leading, middle and trailing rest elements; index signatures with
 * string, number and template keys beside known fields; Record; Partial,
 * Required, Pick, Omit; template literal types with string, number, bigint,
 * boolean, literal and Uppercase/Lowercase/Capitalize/Uncapitalize holes;
 * recursive types (self, mutual, through aliases, the JSON type); `{}`,
 * `object`, `Object` and weak types; methods; brands; types imported from
 * another file.
 *
 * Values are made from the type: a valid one, then near misses, each node
 * perturbed with some probability (a field dropped or retyped, an item too
 * many, a number text that is almost one...).
 */
import fc from "fast-check";
import type { PayloadCase } from "./payloadOracle.js";

type CaseMapping = "Uppercase" | "Lowercase" | "Capitalize" | "Uncapitalize";
type Hole = { h: "string" } | { h: "number" } | { h: "bigint" } | { h: "boolean" } | { h: "lits"; of: string[] } | { h: "case"; m: CaseMapping } | { h: "tpl"; parts: Part[] };
type Part = string | Hole;

interface Prop {
  name: string;
  opt: boolean;
  /** Written `name: T | undefined`. */
  undef: boolean;
  type: TypeNode;
  method?: boolean;
}
type IndexKey = "string" | "number" | { parts: Part[] };
interface NamedDecl {
  kind: "interface" | "alias";
  name: string;
  body?: TypeNode;
  /** Declared in packages/types/other.ts and imported. */
  imported: boolean;
}
interface EnumDecl {
  name: string;
  members: Array<[string, string | number]>;
}

type TypeNode =
  | { t: "prim"; p: "string" | "number" | "boolean" | "null" | "any" | "unknown" | "undefined" }
  | { t: "lit"; v: string | number | boolean }
  | { t: "enum"; decl: EnumDecl; member?: number }
  | { t: "union"; of: TypeNode[] }
  | { t: "inter"; of: TypeNode[] }
  | { t: "array"; of: TypeNode; spelling: "plain" | "generic" | "readonly" | "ReadonlyArray" }
  | { t: "tuple"; lead: Array<{ type: TypeNode; opt: boolean }>; rest?: TypeNode; tail: TypeNode[]; ro: boolean }
  | { t: "object"; props: Prop[]; index: Array<{ key: IndexKey; type: TypeNode }> }
  | { t: "record"; key: "string" | { lits: string[] } | { parts: Part[] }; value: TypeNode }
  | { t: "util"; u: "Partial" | "Required" | "Pick" | "Omit"; of: NamedDecl; keys: string[] }
  | { t: "tpl"; parts: Part[] }
  | { t: "case"; m: CaseMapping; of: "string" | { parts: Part[] } }
  | { t: "special"; s: "{}" | "object" | "Object" }
  | { t: "brand"; p: "string" | "number"; name: string }
  | { t: "named"; decl: NamedDecl };

type Gen = fc.GeneratorValue;

const PROP_NAMES = ["id", "kind", "name", "count", "tags", "meta", "next", "items", "note", "length", "x_a", "x_b", "data", "value", "toString", "_n", "a-b"];
const STRINGS = ["", "a", "x_", "x_1", "ab", "A", "Ab", "aB", "ABC", "abc", "-", "a-b", "1", "px", "é", "ß", "İ", "true", "null"];
/** Texts near numbers: what `${number}` takes and what it refuses. */
const NUMBER_TEXTS = ["0", "1", "-1", "1.5", ".5", "1.", "+1", "0x10", "0b11", "0o7", "1e3", "1e400", "-1e400", " 1", "1 ", " ", "", "abc", "1_0", "Infinity", "-Infinity", "NaN", "-0", "00", "1e", "0x", "١"];
/** Texts near bigints. */
const BIGINT_TEXTS = ["0", "1", "-1", "01", "00", "-0", "0x1F", "0X1f", "-0x1", "0o7", "0O8", "0b1", "0b2", "1n", "1.5", "1e3", "+1", " 1", "", "1_0", "12345678901234567890"];
const MAPPINGS: CaseMapping[] = ["Uppercase", "Lowercase", "Capitalize", "Uncapitalize"];

/** One generated case: a payload type with its declarations, and values near it. */
export function payloadCaseArbitrary(valuesPerCase: number): fc.Arbitrary<PayloadCase> {
  return fc.gen().map((g) => new CaseMaker(g).make(valuesPerCase));
}

class CaseMaker {
  private readonly named: NamedDecl[] = [];
  private readonly enums: EnumDecl[] = [];
  private serial = 0;

  constructor(private readonly g: Gen) {}

  make(valuesPerCase: number): PayloadCase {
    const payload = this.type(0);
    const values: unknown[] = [];
    for (let i = 0; i < valuesPerCase; i++) {
      const wrongness = i === 0 ? 0 : this.pick(0, 0.05, 0.15, 0.3, 0.6, 1);
      values.push(this.int(0, 9) === 0 ? this.g(fc.jsonValue, { maxDepth: 2 }) : this.value(payload, 0, wrongness));
    }
    const imported = this.named.filter((decl) => decl.imported);
    return {
      name: "generated",
      declarations: this.declarations("derive"),
      oracleDeclarations: this.declarations("oracle"),
      payload: render(payload, "derive"),
      oraclePayload: render(payload, "oracle"),
      otherFile: imported.map((decl) => renderDecl(decl, "derive")).join("\n"),
      oracleOtherFile: imported.map((decl) => renderDecl(decl, "oracle")).join("\n"),
      imports: imported.map((decl) => decl.name),
      values,
    };
  }

  private declarations(mode: Mode): string {
    const enums = this.enums.map((decl) => (mode === "derive" ? `export enum ${decl.name} { ${decl.members.map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(", ")} }` : ""));
    return [...enums, ...this.named.filter((decl) => !decl.imported).map((decl) => renderDecl(decl, mode))].join("\n");
  }

  // ---- random choices (all through fast-check, so the seed decides them) ----
  private int(min: number, max: number): number {
    return this.g(fc.integer, { min, max });
  }
  private pick<T>(...options: T[]): T {
    return options[this.int(0, options.length - 1)]!;
  }
  private chance(percent: number): boolean {
    return this.int(0, 99) < percent;
  }
  private uid(prefix: string): string {
    return `${prefix}${this.serial++}`;
  }

  // ---- types ----
  private type(depth: number): TypeNode {
    const leaf = depth >= 3 || this.chance(depth * 25);
    if (leaf) return this.leaf();
    switch (this.int(0, 17)) {
      case 0:
      case 1:
        return this.object(depth);
      case 2:
        return { t: "union", of: this.several(depth, 2, 3) };
      case 3:
        return this.discriminatedUnion(depth);
      case 4:
        return { t: "array", of: this.type(depth + 1), spelling: this.pick("plain", "generic", "readonly", "ReadonlyArray") };
      case 5:
        return this.tuple(depth);
      case 6:
        return this.record(depth);
      case 7:
        return this.utility(depth);
      case 8:
        return this.intersection(depth);
      case 9:
      case 10:
        return this.recursive(depth);
      case 11:
        return { t: "named", decl: this.declare(this.object(depth + 1), this.chance(30)) };
      case 12:
        return this.weak(depth);
      case 13:
        return { t: "union", of: [this.type(depth + 1), { t: "prim", p: "null" }] };
      default:
        return this.leaf();
    }
  }

  private several(depth: number, min: number, max: number): TypeNode[] {
    return Array.from({ length: this.int(min, max) }, () => this.type(depth + 1));
  }

  private leaf(): TypeNode {
    switch (this.int(0, 13)) {
      case 0:
      case 1:
        return { t: "prim", p: this.pick("string", "number", "boolean", "null", "any", "unknown", "string", "number") };
      case 2:
        return { t: "lit", v: this.pick<string | number | boolean>("a", "b", "", 0, 1, -1, 1.5, true, false) };
      case 3: {
        const decl = this.enumDecl();
        return { t: "enum", decl, ...(this.chance(40) ? { member: this.int(0, decl.members.length - 1) } : {}) };
      }
      case 4:
      case 5:
        return { t: "tpl", parts: this.templateParts(0) };
      case 6:
        return { t: "case", m: this.pick(...MAPPINGS), of: this.chance(70) ? "string" : { parts: this.templateParts(1) } };
      case 7:
        return { t: "special", s: this.pick("{}", "object", "Object") };
      case 8:
        return { t: "brand", p: this.pick("string", "number"), name: this.uid("B") };
      case 9:
        return { t: "union", of: [{ t: "lit", v: "a" }, { t: "lit", v: "b" }, { t: "lit", v: this.pick<string | number>("c", 1) }] };
      default:
        return { t: "prim", p: this.pick("string", "number", "boolean") };
    }
  }

  private enumDecl(): EnumDecl {
    const numeric = this.chance(35);
    const members: Array<[string, string | number]> = numeric ? [["One", 1], ["Two", 2], ["Zero", 0]] : [["Low", "low"], ["High", "high"], ["Empty", ""]];
    const decl = { name: this.uid("E"), members: members.slice(0, this.int(1, 3)) };
    this.enums.push(decl);
    return decl;
  }

  private templateParts(depth: number): Part[] {
    const parts: Part[] = [];
    const holes = this.int(1, 3);
    for (let i = 0; i < holes; i++) {
      if (this.chance(70)) parts.push(this.pick("x_", "-", "px", "v", ".", "a", "_", "id_"));
      parts.push(this.hole(depth));
    }
    if (this.chance(50)) parts.push(this.pick("px", "-X", "_end", "", "."));
    return parts;
  }

  private hole(depth: number): Hole {
    switch (this.int(0, 7)) {
      case 0:
      case 1:
        return { h: "string" };
      case 2:
      case 3:
        return { h: "number" };
      case 4:
        return { h: "bigint" };
      case 5:
        return this.chance(50) ? { h: "boolean" } : { h: "lits", of: ["a", "b"] };
      case 6:
        return { h: "case", m: this.pick(...MAPPINGS) };
      default:
        return depth < 1 ? { h: "tpl", parts: this.templateParts(depth + 1) } : { h: "number" };
    }
  }

  private props(depth: number, count: number, { methods = true } = {}): Prop[] {
    const props: Prop[] = [];
    const names = new Set<string>();
    for (let i = 0; i < count; i++) {
      const name = this.pick(...PROP_NAMES);
      if (names.has(name)) continue;
      names.add(name);
      const method = methods && name !== "toString" && this.chance(6);
      const opt = this.chance(35);
      props.push({ name, opt, undef: !method && this.chance(12), type: method ? { t: "prim", p: "string" } : this.propType(name, depth), ...(method ? { method } : {}) });
    }
    if (methods && !names.has("toString") && this.chance(4)) props.push({ name: "toString", opt: false, undef: false, type: { t: "prim", p: "string" }, method: true });
    return props;
  }

  /**
   * A field's type. Two names every array or string has are kept to what the
   * check claims (README, "Fidelity"): `length` not a number literal (the
   * checker knows a tuple's length), `toString` not a unit type (the checker
   * then relates a union by it as a discriminant and skips its weak-type rule).
   */
  private propType(name: string, depth: number): TypeNode {
    if (name === "length") return this.pick<TypeNode>({ t: "prim", p: "number" }, { t: "prim", p: "string" }, this.object(depth + 1));
    if (name === "toString") return this.pick<TypeNode>({ t: "prim", p: "string" }, { t: "union", of: [{ t: "prim", p: "string" }, { t: "prim", p: "number" }] }, this.object(depth + 1));
    return this.type(depth + 1);
  }

  private object(depth: number): TypeNode {
    const index: Array<{ key: IndexKey; type: TypeNode }> = [];
    const withIndex = this.chance(30);
    const props = this.props(depth, this.int(0, 4), { methods: !withIndex });
    if (withIndex) {
      // No brands in an index signature's type: a string's own index signature would meet them there,
      // where the checker keeps the brand and JSON's rule drops it (README, "Fidelity").
      for (const key of this.pick<IndexKey[]>(["string"], ["number"], [{ parts: ["x_", { h: "string" }] }], ["number", "string"], [{ parts: [{ h: "number" }] }])) {
        index.push({ key, type: unbranded(this.type(depth + 1)) });
      }
      // Each listed field must fit the index signatures that cover it: give them room.
      const room: TypeNode[] = props.flatMap((prop) => [unbranded(prop.type), ...(prop.undef || prop.opt ? [{ t: "prim", p: "undefined" } as TypeNode] : [])]);
      const stringIndex = index.find((entry) => entry.key === "string");
      for (const entry of index) {
        const covered = entry === stringIndex ? [...room, ...index.filter((e) => e !== entry).map((e) => e.type)] : room;
        if (covered.length > 0) entry.type = { t: "union", of: [entry.type, ...covered] };
      }
    }
    return { t: "object", props, index };
  }

  private weak(depth: number): TypeNode {
    const props = this.props(depth, this.int(1, 3), { methods: false }).map((prop) => ({ ...prop, opt: true }));
    return { t: "object", props, index: [] };
  }

  private discriminatedUnion(depth: number): TypeNode {
    const tags = this.pick(["a", "b"], ["a", "b", "c"], ["voucher", "gift"]);
    const members: TypeNode[] = tags.map((tag, i) => {
      const kindType: TypeNode = i === 0 && this.chance(30) ? { t: "union", of: [{ t: "lit", v: tag }, { t: "lit", v: `${tag}2` }] } : { t: "lit", v: tag };
      const rest = this.props(depth + 1, this.int(0, 2)).filter((prop) => prop.name !== "kind");
      return { t: "object", props: [{ name: "kind", opt: false, undef: false, type: kindType }, ...rest], index: [] };
    });
    return { t: "union", of: members };
  }

  private tuple(depth: number): TypeNode {
    const lead = Array.from({ length: this.int(0, 3) }, () => ({ type: this.type(depth + 1), opt: false }));
    const rest = this.chance(50) ? this.type(depth + 1) : undefined;
    // TypeScript allows optional elements only before a rest with nothing after it.
    const tail = rest && this.chance(50) ? Array.from({ length: this.int(1, 2) }, () => this.type(depth + 1)) : [];
    if (tail.length === 0) {
      const optional = this.int(0, Math.min(2, lead.length));
      lead.forEach((item, i) => (item.opt = i >= lead.length - optional));
    }
    return { t: "tuple", lead, ...(rest ? { rest } : {}), tail, ro: this.chance(25) };
  }

  private record(depth: number): TypeNode {
    const key = this.pick<"string" | { lits: string[] } | { parts: Part[] }>("string", { lits: ["a", "b"] }, { parts: ["x_", { h: "string" }] }, { parts: [{ h: "number" }] });
    return { t: "record", key, value: unbranded(this.type(depth + 1)) }; // an index signature: see object()
  }

  private utility(depth: number): TypeNode {
    // No `| undefined` fields here: Required<> would strip the undefined the JSON rule turns into `?`.
    // Nor `any` or `unknown` ones, which the same rule makes optional.
    const props = this.props(depth, this.int(1, 4), { methods: false }).map((prop) => ({ ...prop, undef: false, type: admitsUndefined(prop.type) ? ({ t: "prim", p: "string" } as TypeNode) : prop.type }));
    const decl = this.declare({ t: "object", props, index: [] }, this.chance(40), "interface");
    const u = this.pick("Partial", "Required", "Pick", "Omit");
    const keys = props.filter(() => this.chance(50)).map((prop) => prop.name);
    return { t: "util", u, of: decl, keys: keys.length > 0 ? keys : [props[0]!.name] };
  }

  private intersection(depth: number): TypeNode {
    if (this.chance(30)) {
      // Conflicting discriminants: the checker reduces the whole to never.
      const more = this.props(depth + 1, 1).filter((prop) => prop.name !== "kind");
      return { t: "inter", of: [{ t: "object", props: [{ name: "kind", opt: false, undef: false, type: { t: "lit", v: "x" } }, ...more], index: [] }, { t: "object", props: [{ name: "kind", opt: false, undef: false, type: { t: "lit", v: "y" } }], index: [] }] };
    }
    const first = this.object(depth + 1) as Extract<TypeNode, { t: "object" }>;
    const second = this.pick<TypeNode>(this.object(depth + 1), this.weak(depth + 1), { t: "special", s: "{}" });
    // A field in both with an enum in it: `E.One & 1` is never to the checker, 1 to JSON's rule; not a case worth having.
    if (second.t === "object") second.props = second.props.filter((prop) => !first.props.some((other) => other.name === prop.name && (mentionsEnum(prop.type) || mentionsEnum(other.type))));
    return { t: "inter", of: [first, second] };
  }

  private recursive(depth: number): TypeNode {
    const leaf = this.type(Math.max(depth + 1, 2));
    switch (this.int(0, 5)) {
      case 0: {
        const list = this.declare(undefined, false, "interface", "List");
        list.body = { t: "object", props: [{ name: "value", opt: false, undef: false, type: leaf }, { name: "next", opt: this.chance(50), undef: false, type: { t: "union", of: [{ t: "named", decl: list }, { t: "prim", p: "null" }] } }], index: [] };
        return { t: "named", decl: list };
      }
      case 1: {
        const tree = this.declare(undefined, false, "interface", "Tree");
        tree.body = { t: "object", props: [{ name: "name", opt: false, undef: false, type: leaf }, { name: "children", opt: this.chance(60), undef: false, type: { t: "array", of: { t: "named", decl: tree }, spelling: "plain" } }], index: [] };
        return { t: "named", decl: tree };
      }
      case 2: {
        const a = this.declare(undefined, false, "interface", "A");
        const b = this.declare(undefined, false, "interface", "B");
        a.body = { t: "object", props: [{ name: "b", opt: true, undef: false, type: { t: "named", decl: b } }, { name: "x", opt: false, undef: false, type: leaf }], index: [] };
        b.body = { t: "object", props: [{ name: "a", opt: false, undef: false, type: { t: "array", of: { t: "named", decl: a }, spelling: "plain" } }], index: [] };
        return { t: "named", decl: this.pick(a, b) };
      }
      case 3: {
        const json = this.declare(undefined, false, "alias", "Json");
        const self: TypeNode = { t: "named", decl: json };
        json.body = {
          t: "union",
          of: [{ t: "prim", p: "string" }, { t: "prim", p: "number" }, { t: "prim", p: "boolean" }, { t: "prim", p: "null" }, { t: "array", of: self, spelling: "plain" }, { t: "object", props: [], index: [{ key: "string", type: self }] }],
        };
        return self;
      }
      case 4: {
        const expr = this.declare(undefined, false, "alias", "Expr");
        const self: TypeNode = { t: "named", decl: expr };
        expr.body = {
          t: "union",
          of: [
            { t: "object", props: [{ name: "op", opt: false, undef: false, type: { t: "lit", v: "num" } }, { name: "n", opt: false, undef: false, type: leaf }], index: [] },
            { t: "object", props: [{ name: "op", opt: false, undef: false, type: { t: "lit", v: "add" } }, { name: "l", opt: false, undef: false, type: self }, { name: "r", opt: false, undef: false, type: self }], index: [] },
          ],
        };
        return self;
      }
      default: {
        const tree = this.declare(undefined, false, "alias", "Node");
        tree.body = { t: "union", of: [{ t: "prim", p: "null" }, { t: "object", props: [{ name: "v", opt: false, undef: false, type: leaf }, { name: "kids", opt: false, undef: false, type: { t: "array", of: { t: "named", decl: tree }, spelling: "readonly" } }], index: [] }] };
        return { t: "named", decl: tree };
      }
    }
  }

  private declare(body: TypeNode | undefined, imported: boolean, kind: "interface" | "alias" = body?.t === "object" && this.chance(60) ? "interface" : "alias", base = "T"): NamedDecl {
    // Imported declarations sit in their own file: only those that name nothing else (no enums, no declarations).
    const canImport = imported && body !== undefined && !mentionsDeclarations(body);
    const decl: NamedDecl = { kind, name: this.uid(canImport ? `Imported${base}` : base), imported: canImport, ...(body ? { body } : {}) };
    this.named.push(decl);
    return decl;
  }

  // ---- values ----
  /** A value for `type`: valid at wrongness 0, each node perturbed with that probability otherwise. */
  private value(type: TypeNode, depth: number, wrongness: number): unknown {
    if (wrongness > 0 && this.int(0, 999) < wrongness * 1000 * (depth === 0 ? 0.5 : 0.3)) return this.nearMiss(type, depth);
    const deep = depth > 6;
    switch (type.t) {
      case "prim":
        switch (type.p) {
          case "string":
            return this.pick(...STRINGS);
          case "number":
            return this.pick(0, 1, -1, 1.5, 1e21, -0, 2 ** 53);
          case "boolean":
            return this.chance(50);
          case "null":
          case "undefined": // only beside other members, in an index signature's type
            return null;
          default:
            return this.g(fc.jsonValue, { maxDepth: 1 });
        }
      case "lit":
        return type.v;
      case "enum":
        return type.decl.members[type.member ?? this.int(0, type.decl.members.length - 1)]![1];
      case "union":
        return this.value(deep ? cheapest(type.of) : this.pick(...type.of), depth + 1, wrongness);
      case "inter":
        return Object.assign({}, ...type.of.map((member) => this.value(member, depth + 1, wrongness)).filter((v) => typeof v === "object" && v !== null && !Array.isArray(v)));
      case "array":
        return Array.from({ length: deep ? 0 : this.int(0, 3) }, () => this.value(type.of, depth + 1, wrongness));
      case "tuple": {
        const lead = type.lead.filter((item, i) => !item.opt || this.chance(50) || type.lead.slice(i + 1).some((later) => !later.opt));
        const rest = type.rest && !deep ? Array.from({ length: this.int(0, 3) }, () => type.rest!) : [];
        return [...lead.map((item) => item.type), ...rest, ...type.tail].map((item) => this.value(item, depth + 1, wrongness));
      }
      case "object":
        return this.objectValue(type, depth, wrongness);
      case "record": {
        const all = typeof type.key === "object" && "lits" in type.key; // Record<"a" | "b", T> requires both
        const keys = type.key === "string" ? ["a", "b1"] : "lits" in type.key ? type.key.lits : [this.templateText(type.key.parts), this.templateText(type.key.parts)];
        return Object.fromEntries(keys.filter(() => all || this.chance(70)).map((key) => [key, this.value(type.value, depth + 1, wrongness)]));
      }
      case "util": {
        const base = type.of.body as Extract<TypeNode, { t: "object" }>;
        const props = base.props.filter((prop) => (type.u === "Pick" ? type.keys.includes(prop.name) : type.u === "Omit" ? !type.keys.includes(prop.name) : true));
        const opt = type.u === "Partial" ? true : type.u === "Required" ? false : undefined;
        return this.objectValue({ t: "object", props: props.map((prop) => ({ ...prop, opt: opt ?? prop.opt, undef: type.u === "Required" ? false : prop.undef })), index: [] }, depth, wrongness);
      }
      case "tpl":
        return this.templateText(type.parts);
      case "case": {
        const text = type.of === "string" ? this.pick(...STRINGS) : this.templateText(type.of.parts);
        return this.chance(80) ? applyCase(type.m, text) : text;
      }
      case "special":
        return type.s === "object" ? this.pick<unknown>({}, [], { a: 1 }) : this.pick<unknown>({}, "a", 1, true, [], { constructor: 1 });
      case "brand":
        return type.p === "string" ? "id" : 7;
      case "named":
        return this.value(type.decl.body!, depth + 1, wrongness);
    }
  }

  private objectValue(type: Extract<TypeNode, { t: "object" }>, depth: number, wrongness: number): Record<string, unknown> {
    const value: Record<string, unknown> = {};
    for (const prop of type.props) {
      if (prop.method) continue; // no JSON value is a function
      if ((prop.opt || prop.undef) && (depth > 6 || this.chance(40))) continue;
      value[prop.name] = this.value(prop.type, depth + 1, wrongness);
    }
    for (const entry of type.index) {
      if (!this.chance(60)) continue;
      const key = entry.key === "string" ? this.pick("k", "x_z", "7") : entry.key === "number" ? this.pick("1", "-1", "1.5", "01") : this.templateText(entry.key.parts);
      value[key] = this.value(entry.type, depth + 1, wrongness);
    }
    return value;
  }

  /** A value close to fitting `type` but likely not: the edges where checks go wrong. */
  private nearMiss(type: TypeNode, depth: number): unknown {
    const valid = this.value(type, depth, 0);
    switch (this.int(0, 5)) {
      case 0:
        return this.g(fc.jsonValue, { maxDepth: 1 });
      case 1:
        if (typeof valid === "string") return this.pick(`${valid}x`, valid.slice(1), valid.toUpperCase(), valid.toLowerCase(), ` ${valid}`, this.pick(...NUMBER_TEXTS));
        if (typeof valid === "number") return this.pick<unknown>(valid + 1, -valid, String(valid), 0.5);
        return valid;
      case 2:
        if (Array.isArray(valid)) return this.chance(50) ? valid.slice(1) : [...valid, this.pick<unknown>(1, "a", null, valid[0])];
        if (isObject(valid)) {
          const keys = Object.keys(valid);
          if (keys.length > 0 && this.chance(50)) {
            const { [this.pick(...keys)]: _dropped, ...rest } = valid;
            return rest;
          }
          return { ...valid, [this.pick(...PROP_NAMES, "extra", "1", "x_q")]: this.pick<unknown>(1, "a", null, [], {}) };
        }
        return valid;
      case 3:
        if (isObject(valid)) {
          const keys = Object.keys(valid);
          if (keys.length > 0) return { ...valid, [this.pick(...keys)]: this.g(fc.jsonValue, { maxDepth: 1 }) };
        }
        return null;
      case 4:
        return this.pick<unknown>("", 0, false, null, [], {}, [valid], { value: valid });
      default:
        return valid;
    }
  }

  /** A text for a template type: holes filled with what fits them, or nearly. */
  private templateText(parts: Part[]): string {
    return parts.map((part) => (typeof part === "string" ? part : this.holeText(part))).join("");
  }

  private holeText(hole: Hole): string {
    switch (hole.h) {
      case "string":
        return this.pick(...STRINGS, "x_", "-", "px", ".");
      case "number":
        return this.chance(60) ? this.pick("0", "1", "-1", "1.5", ".5", "1e3") : this.pick(...NUMBER_TEXTS);
      case "bigint":
        return this.pick(...BIGINT_TEXTS);
      case "boolean":
        return this.pick("true", "false", "True", "");
      case "lits":
        return this.pick(...hole.of, "c");
      case "case": {
        const text = this.pick(...STRINGS);
        return this.chance(70) ? applyCase(hole.m, text) : text;
      }
      case "tpl":
        return this.templateText(hole.parts);
    }
  }
}

function applyCase(mapping: CaseMapping, text: string): string {
  if (mapping === "Uppercase") return text.toUpperCase();
  if (mapping === "Lowercase") return text.toLowerCase();
  if (mapping === "Capitalize") return text.charAt(0).toUpperCase() + text.slice(1);
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The member of a union whose smallest value is smallest: what ends a recursive value. */
function cheapest(members: TypeNode[]): TypeNode {
  let best = members[0]!;
  let bestCost = Infinity;
  for (const member of members) {
    const c = cost(member, new Set());
    if (c < bestCost) [best, bestCost] = [member, c];
  }
  return best;
}

function cost(type: TypeNode, seen: Set<NamedDecl>): number {
  switch (type.t) {
    case "named":
      if (seen.has(type.decl)) return 1000;
      return 1 + cost(type.decl.body!, new Set([...seen, type.decl]));
    case "object":
      return 1 + type.props.filter((prop) => !prop.opt && !prop.undef).reduce((sum, prop) => sum + cost(prop.type, seen), 0);
    case "union":
      return Math.min(...type.of.map((member) => cost(member, seen)));
    case "inter":
      return type.of.reduce((sum, member) => sum + cost(member, seen), 0);
    case "tuple":
      return 1 + [...type.lead.filter((item) => !item.opt).map((item) => item.type), ...type.tail].reduce((sum, item) => sum + cost(item, seen), 0);
    default:
      return 0;
  }
}

/** The type with each brand replaced by its primitive (declarations left as they are). */
function unbranded(type: TypeNode): TypeNode {
  switch (type.t) {
    case "brand":
      return { t: "prim", p: type.p };
    case "union":
    case "inter":
      return { ...type, of: type.of.map(unbranded) };
    case "array":
      return { ...type, of: unbranded(type.of) };
    case "tuple":
      return { ...type, lead: type.lead.map((item) => ({ ...item, type: unbranded(item.type) })), ...(type.rest ? { rest: unbranded(type.rest) } : {}), tail: type.tail.map(unbranded) };
    case "object":
      return { ...type, props: type.props.map((prop) => ({ ...prop, type: unbranded(prop.type) })), index: type.index.map((entry) => ({ ...entry, type: unbranded(entry.type) })) };
    case "record":
      return { ...type, value: unbranded(type.value) };
    default:
      return type;
  }
}

function mentionsEnum(type: TypeNode): boolean {
  if (type.t === "enum") return true;
  if (type.t === "union" || type.t === "inter") return type.of.some(mentionsEnum);
  if (type.t === "named") return false; // declarations are judged where they are written
  return type.t === "array" ? mentionsEnum(type.of) : false;
}

function mentionsDeclarations(type: TypeNode): boolean {
  switch (type.t) {
    case "enum":
    case "named":
    case "util":
    case "brand":
      return true;
    case "union":
    case "inter":
      return type.of.some(mentionsDeclarations);
    case "array":
      return mentionsDeclarations(type.of);
    case "tuple":
      return [...type.lead.map((item) => item.type), ...(type.rest ? [type.rest] : []), ...type.tail].some(mentionsDeclarations);
    case "object":
      return type.props.some((prop) => mentionsDeclarations(prop.type)) || type.index.some((entry) => mentionsDeclarations(entry.type));
    case "record":
      return mentionsDeclarations(type.value);
    default:
      return false;
  }
}

// ---- rendering: as the project writes it ("derive"), and in JSON's terms ("oracle") ----
type Mode = "derive" | "oracle";

function renderDecl(decl: NamedDecl, mode: Mode): string {
  const body = decl.body!;
  if (decl.kind === "interface" && body.t === "object") return `export interface ${decl.name} ${renderObject(body, mode)}`;
  return `export type ${decl.name} = ${render(body, mode)};`;
}

function render(type: TypeNode, mode: Mode): string {
  switch (type.t) {
    case "prim":
      return type.p;
    case "lit":
      return JSON.stringify(type.v);
    case "enum":
      if (mode === "derive") return type.member === undefined ? type.decl.name : `${type.decl.name}.${type.decl.members[type.member]![0]}`;
      return type.member === undefined ? `(${type.decl.members.map(([, v]) => JSON.stringify(v)).join(" | ")})` : JSON.stringify(type.decl.members[type.member]![1]);
    case "union":
      return `(${type.of.map((member) => render(member, mode)).join(" | ")})`;
    case "inter":
      return `(${type.of.map((member) => render(member, mode)).join(" & ")})`;
    case "array": {
      const item = inner(type.of, mode);
      return type.spelling === "plain" ? `${item}[]` : type.spelling === "generic" ? `Array<${item}>` : type.spelling === "readonly" ? `readonly ${item}[]` : `ReadonlyArray<${item}>`;
    }
    case "tuple": {
      const items = [
        ...type.lead.map((item) => `${inner(item.type, mode)}${item.opt ? "?" : ""}`),
        ...(type.rest ? [`...${inner(type.rest, mode)}[]`] : []),
        ...type.tail.map((item) => inner(item, mode)),
      ];
      return `${type.ro ? "readonly " : ""}[${items.join(", ")}]`;
    }
    case "object":
      return renderObject(type, mode);
    case "record": {
      if (mode === "oracle" && typeof type.key === "object" && "lits" in type.key && admitsUndefined(type.value)) {
        return `{ ${type.key.lits.map((l) => `${JSON.stringify(l)}?: ${render(type.value, mode)}`).join("; ")} }`;
      }
      const key = type.key === "string" ? "string" : "lits" in type.key ? type.key.lits.map((l) => JSON.stringify(l)).join(" | ") : renderTemplate(type.key.parts);
      return `Record<${key}, ${render(type.value, mode)}>`;
    }
    case "util":
      return type.u === "Pick" || type.u === "Omit" ? `${type.u}<${type.of.name}, ${type.keys.map((k) => JSON.stringify(k)).join(" | ")}>` : `${type.u}<${type.of.name}>`;
    case "tpl":
      return renderTemplate(type.parts);
    case "case":
      return `${type.m}<${type.of === "string" ? "string" : renderTemplate(type.of.parts)}>`;
    case "special":
      return type.s;
    case "brand":
      return mode === "derive" ? `(${type.p} & { readonly __brand: "${type.name}" })` : type.p;
    case "named":
      return type.decl.name;
  }
}

/** A type inside an array or tuple type: `readonly` ones need parentheses there. */
function inner(type: TypeNode, mode: Mode): string {
  const text = render(type, mode);
  return text.startsWith("readonly ") ? `(${text})` : text;
}

/** Whether undefined is among a type's values (so JSON may leave a field of it out). */
function admitsUndefined(type: TypeNode): boolean {
  if (type.t === "prim") return type.p === "any" || type.p === "unknown" || type.p === "undefined";
  if (type.t === "union") return type.of.some(admitsUndefined);
  return false;
}

function renderObject(type: Extract<TypeNode, { t: "object" }>, mode: Mode): string {
  const members = type.props.map((prop) => {
    const name = /^[A-Za-z_$][\w$]*$/.test(prop.name) ? prop.name : JSON.stringify(prop.name);
    if (prop.method) return `${name}${prop.opt ? "?" : ""}(): string`;
    // JSON drops undefined: a field that admits it may be absent (the README's rule), said as `?` to the oracle.
    const optional = prop.opt || ((prop.undef || admitsUndefined(prop.type)) && mode === "oracle");
    return `${name}${optional ? "?" : ""}: ${render(prop.type, mode)}${prop.undef ? " | undefined" : ""}`;
  });
  for (const entry of type.index) {
    const key = entry.key === "string" ? "string" : entry.key === "number" ? "number" : renderTemplate(entry.key.parts);
    members.push(`[key: ${key}]: ${render(entry.type, mode)}`);
  }
  return members.length === 0 ? "{}" : `{ ${members.join("; ")} }`;
}

function renderTemplate(parts: Part[]): string {
  return `\`${parts.map((part) => (typeof part === "string" ? part.replace(/[`$\\]/g, "\\$&") : `\${${renderHole(part)}}`)).join("")}\``;
}

function renderHole(hole: Hole): string {
  switch (hole.h) {
    case "lits":
      return hole.of.map((l) => JSON.stringify(l)).join(" | ");
    case "case":
      return `${hole.m}<string>`;
    case "tpl":
      return renderTemplate(hole.parts);
    default:
      return hole.h;
  }
}
