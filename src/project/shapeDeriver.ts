/**
 * One TypeScript type → the plain-JSON shape ../runtime/payloadShape.ts checks
 * values against, asking the checker wherever TypeScript's own rules decide
 * (which primitives an object type admits, which properties every object has).
 *
 * Named and recursive types become `defs`, referred to by name: each type is
 * derived once, so the shapes grow with the source, not with its expansion
 * (`type Json = ... | Json[] | { [k: string]: Json }` is one def). A type too
 * large or too slow to derive throws DerivationBudgetError; the caller leaves
 * that payload unchecked and says so.
 */
// Loaded with require, not import: an ESM import of CommonJS first scans it (ts-morph, then TypeScript's 9 MB) for named exports, ~70 ms of every add-message and build.
import { createRequire } from "node:module";
// Named so: tsc turns the next line into a createRequire call of its own; tsx (esbuild) into a call of this one.
const require = createRequire(import.meta.url);
import tsMorph = require("ts-morph");
import ts = tsMorph.ts;
import type { CaseMapping, ObjectShape, PayloadSchemas, Shape } from "../runtime/payloadShapeTypes.js";
import { admitsUndefined, isCallable, isPartialMappedType, JsonAssignability, PRIMITIVE, withoutUndefined } from "./jsonAssignability.js";

/** Lib types that are objects in TypeScript but do not survive JSON, and what to declare instead. */
const UNSENDABLE_LIB_TYPES: Record<string, string> = {
  Date: "declare it as string (an ISO 8601 time, e.g. new Date().toISOString()) and parse it in the handler",
  Map: "declare it as Record<string, T> and send Object.fromEntries(map)",
  Set: "declare it as T[] and send [...set]",
  WeakMap: "send plain data instead",
  WeakSet: "send plain data instead",
  Promise: "await it before enqueueing and send its value",
  RegExp: "declare it as string (the pattern's source)",
  ArrayBuffer: "declare it as string and send it base64-encoded",
  Uint8Array: "declare it as string and send it base64-encoded",
  Buffer: "declare it as string and send it base64-encoded",
};

const CASE_MAPPINGS: ReadonlySet<string> = new Set<CaseMapping>(["Uppercase", "Lowercase", "Capitalize", "Uncapitalize"]);

export class DerivationBudgetError extends Error {
  override name = "DerivationBudgetError";
}

/** Types the deriver compares against, from a small source file of its own. */
export interface ProbeTypes {
  /** `{}`: which properties every object has (Object's own: toString, constructor...). */
  empty: ts.Type;
  unknownArray: ts.Type;
  neverArray: ts.Type;
}

export interface DerivationBudget {
  /** Shapes one payload may take, counted as they are made. */
  maxShapes: number;
  /** performance.now() after which no more is derived. */
  deadline: number;
}

export class ShapeDeriver {
  readonly defs: PayloadSchemas["defs"] = {};
  readonly warnings: string[] = [];
  /** Where the shape being derived sits, for warnings: `OrderNewMessage.payload.dueAt`. */
  site = "";
  /** Shapes made for the current payload, against the budget. */
  private made = 0;
  private budget: DerivationBudget = { maxShapes: Infinity, deadline: Infinity };
  /** Types already in `defs`, by identity. */
  private readonly named = new Map<ts.Type, string>();
  /** Types being derived: met again inside themselves, they get a name and a def. */
  private readonly active = new Map<ts.Type, { name?: string }>();
  /** Which values fit which types, under the JSON rules. */
  private readonly relation: JsonAssignability;
  /** Unsendable fields found where every object already has them (toString...): not worth a warning. */
  private quiet = 0;

  constructor(
    private readonly checker: ts.TypeChecker,
    private readonly isLibFile: (file: ts.SourceFile) => boolean,
    private readonly probe: ProbeTypes,
  ) {
    this.relation = new JsonAssignability(checker);
  }

  /** The shape of one payload type, within `budget` (DerivationBudgetError when over it). */
  payload(type: ts.Type, budget: DerivationBudget): Shape {
    this.made = 0;
    this.budget = budget;
    try {
      return this.shapeOf(withoutUndefined(type, this.checker), 0);
    } finally {
      this.active.clear();
    }
  }

  private shapeOf(type: ts.Type, depth: number): Shape {
    if (++this.made > this.budget.maxShapes) throw new DerivationBudgetError(`more than ${this.budget.maxShapes} shapes`);
    if ((this.made & 255) === 0 && performance.now() > this.budget.deadline) throw new DerivationBudgetError("over the time for reading the types");
    if (depth > 200) throw new DerivationBudgetError("nested more than 200 types deep");
    const flags = type.flags;
    if (flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return { k: "any" };
    if (flags & ts.TypeFlags.Never) return { k: "never" };
    if (flags & ts.TypeFlags.Null) return { k: "null" };
    if (type.isStringLiteral() || type.isNumberLiteral()) return { k: "literal", v: type.value };
    if (flags & ts.TypeFlags.BooleanLiteral) return { k: "literal", v: isTrue(type) };
    if (flags & ts.TypeFlags.String) return { k: "string" };
    if (flags & ts.TypeFlags.Number) return { k: "number" };
    if (flags & ts.TypeFlags.Boolean) return { k: "boolean" };
    if (flags & ts.TypeFlags.TemplateLiteral) return this.template(type as ts.TemplateLiteralType, depth);
    if (flags & ts.TypeFlags.StringMapping) return this.stringMapping(type as ts.StringMappingType, depth);
    if (flags & (ts.TypeFlags.BigInt | ts.TypeFlags.BigIntLiteral)) return this.unsendable("bigint", "declare it as string and send String(value)");
    if (flags & (ts.TypeFlags.ESSymbol | ts.TypeFlags.UniqueESSymbol)) return this.unsendable("symbol", "send plain data instead");
    if (flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) return this.unsendable("undefined", "make the field optional (`name?:`) instead");
    if (flags & ts.TypeFlags.NonPrimitive) return { k: "object", props: [], items: [] }; // `object`: objects and arrays
    if (!(type.isUnion() || type.isIntersection() || flags & ts.TypeFlags.Object)) return this.undecidable(type);
    return this.composite(type, depth);
  }

  /** Unions, intersections and object types: once per type, by name when named or recursive. */
  private composite(type: ts.Type, depth: number): Shape {
    const known = this.named.get(type);
    if (known) return { k: "ref", name: known };
    const running = this.active.get(type);
    if (running) {
      running.name ??= this.reserveName(type);
      return { k: "ref", name: running.name };
    }
    const entry: { name?: string } = {};
    if (this.deservesName(type)) entry.name = this.reserveName(type);
    this.active.set(type, entry);
    let shape: Shape;
    try {
      shape = type.isUnion() ? this.union(type, depth) : type.isIntersection() ? this.intersection(type, depth) : this.objectLike(type, depth);
    } finally {
      this.active.delete(type);
    }
    if (!entry.name) return shape;
    this.defs[entry.name] = shape;
    this.named.set(type, entry.name);
    return { k: "ref", name: entry.name };
  }

  /** Interfaces, classes and aliases of object types or of unions holding one: errors then say `expected Address`. */
  private deservesName(type: ts.Type): boolean {
    if (!this.nameOf(type)) return false;
    if (type.isUnion()) return type.types.some((member) => (member.flags & ts.TypeFlags.Object) !== 0 || member.isIntersection());
    return (type.flags & ts.TypeFlags.Object) !== 0 && !this.checker.isArrayType(type) && !this.checker.isTupleType(type);
  }

  private union(type: ts.UnionType, depth: number): Shape {
    const members = type.types.filter((member) => !(member.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)));
    const hasTrue = members.some((m) => m.flags & ts.TypeFlags.BooleanLiteral && isTrue(m));
    const hasFalse = members.some((m) => m.flags & ts.TypeFlags.BooleanLiteral && !isTrue(m));
    const shapes: Shape[] = [];
    for (const member of members) {
      if (hasTrue && hasFalse && member.flags & ts.TypeFlags.BooleanLiteral) continue;
      const shape = this.shapeOf(member, depth + 1);
      if (shape.k === "any") return shape;
      shapes.push(shape);
    }
    if (hasTrue && hasFalse) shapes.push({ k: "boolean" });
    if (shapes.length === 0) return { k: "never" };
    return shapes.length === 1 ? shapes[0]! : { k: "union", of: shapes };
  }

  private intersection(type: ts.IntersectionType, depth: number): Shape {
    // `{ k: "x" } & { k: "y" }`: the checker reduces it to never when asked.
    if (this.checker.isTypeAssignableTo(type, this.checker.getNeverType())) return { k: "never" };
    // Nothing JSON carries can be called (`{ x(): string } & { x: string }`).
    if (type.types.some(isCallable)) return this.unsendable("a function", "send plain data instead");
    // A branded primitive (`string & { __brand: "Id" }`) is its primitive in JSON (the README's rule).
    const primitive = type.types.find((member) => member.flags & (ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike | ts.TypeFlags.BooleanLike));
    if (primitive) {
      // A member that is no brand (an array, a lib type) is held to the checker: `0 & number[]` takes nothing.
      const others = type.types.filter((member) => member !== primitive && !(member.flags & PRIMITIVE) && !this.isBrand(member));
      // (Each part on its own, as the checker relates an intersection's parts: no weak-type rule.)
      if (others.some((member) => !this.relation.admits(primitive, member, false))) return { k: "never" };
      return this.shapeOf(primitive, depth + 1);
    }
    // An array or a lib type among the parts (`[string] & { extra?: 1 }`): each part on its own, as the checker relates them.
    if (type.types.some((member) => !this.isPlainObjectType(member))) return { k: "all", of: type.types.map((member) => this.shapeOf(member, depth + 1)) };
    return this.objectShape(type, depth);
  }

  /** An object type of the project's (no array or tuple, no lib type): its fields merge with others'. */
  private isPlainObjectType(type: ts.Type): boolean {
    if (!(type.flags & ts.TypeFlags.Object) || this.checker.isArrayType(type) || this.checker.isTupleType(type)) return false;
    const symbol = type.getSymbol();
    return !symbol || !this.fromDefaultLib(symbol);
  }

  /** A template literal type: its texts, and what each hole takes. */
  private template(type: ts.TemplateLiteralType, depth: number): Shape {
    return { k: "tpl", texts: [...type.texts], holes: type.types.map((hole) => this.hole(hole, depth + 1)), d: this.checker.typeToString(type) };
  }

  private stringMapping(type: ts.StringMappingType, depth: number): Shape {
    const mapping = type.symbol.getName();
    if (!CASE_MAPPINGS.has(mapping)) return this.shapeOf(type.type, depth + 1);
    return { k: "case", m: mapping as CaseMapping, of: this.hole(type.type, depth + 1), d: this.checker.typeToString(type) };
  }

  /** What a template's hole takes: as a field would, but `${bigint}` is text and not unsendable. */
  private hole(type: ts.Type, depth: number): Shape {
    if (type.flags & ts.TypeFlags.BigInt) return { k: "bigint" };
    if (type.flags & ts.TypeFlags.Undefined) return { k: "literal", v: "undefined" };
    return this.shapeOf(type, depth);
  }

  private objectLike(type: ts.Type, depth: number): Shape {
    const checker = this.checker;
    if (checker.isTupleType(type)) return this.tuple(type as ts.TypeReference, depth);
    if (checker.isArrayType(type)) return { k: "array", of: this.shapeOf(checker.getTypeArguments(type as ts.TypeReference)[0]!, depth + 1) };
    const symbol = type.getSymbol();
    const libName = symbol && this.fromDefaultLib(symbol) ? symbol.getName() : undefined;
    if (libName && Object.hasOwn(UNSENDABLE_LIB_TYPES, libName)) return this.unsendable(libName, UNSENDABLE_LIB_TYPES[libName]!);
    if (libName === "ReadonlyArray") return { k: "array", of: this.shapeOf(checker.getTypeArguments(type as ts.TypeReference)[0]!, depth + 1) };
    if (isCallable(type)) return this.unsendable("a function", "send plain data instead");
    if (libName && /Array$/.test(libName)) return this.unsendable(libName, "declare it as number[] or a base64 string");
    return this.objectShape(type, depth);
  }

  private tuple(type: ts.TypeReference, depth: number): Shape {
    const target = type.target as ts.TupleType;
    const args = this.checker.getTypeArguments(type);
    const items: Shape[] = [];
    const tail: Shape[] = [];
    let rest: Shape | undefined;
    let req = 0;
    args.forEach((arg, i) => {
      const flag = target.elementFlags[i]!;
      if (flag & ts.ElementFlags.Variable) rest = this.shapeOf(arg, depth + 1);
      else if (rest) tail.push(this.shapeOf(withoutUndefined(arg, this.checker), depth + 1));
      else {
        items.push(this.shapeOf(withoutUndefined(arg, this.checker), depth + 1));
        if (flag & ts.ElementFlags.Required) req = items.length;
      }
    });
    const shape: Extract<Shape, { k: "tuple" }> = { k: "tuple", items, req };
    if (rest) shape.rest = rest;
    if (tail.length > 0) shape.tail = tail;
    return shape;
  }

  private objectShape(type: ts.Type, depth: number): ObjectShape {
    const checker = this.checker;
    const props: ObjectShape["props"] = [];
    const keys: NonNullable<ObjectShape["keys"]> = [];
    const site = this.site;
    // An intersection: the checker relates a value to each part on its own (no weak-type rule below)
    // and its fields to the merged ones. A name in several parts is held to each part's type too:
    // `{ a: any } & { a?: "x" }` merges to any, yet holds `a` to "x".
    const parts = type.isIntersection() ? type.types.filter((part) => part.flags & ts.TypeFlags.Object) : [type];
    const absentIfLoose: string[] = [];
    const counts = new Map<string, number>();
    if (parts.length > 1) for (const part of parts) for (const p of checker.getPropertiesOfType(part)) counts.set(p.getName(), (counts.get(p.getName()) ?? 0) + 1);
    const sources: Array<[ts.Symbol, boolean]> = checker.getPropertiesOfType(type).map((p) => [p, false]);
    for (const part of parts) for (const p of checker.getPropertiesOfType(part)) if ((counts.get(p.getName()) ?? 0) > 1) sources.push([p, true]);
    for (const [property, partwise] of sources) {
      const name = property.getName();
      const propertyType = checker.getTypeOfSymbol(property);
      if (name.startsWith("__@")) {
        // Symbol-keyed: no JSON object has one, so a required one refuses every object.
        if (!(property.flags & ts.SymbolFlags.Optional) && !admitsUndefined(propertyType)) props.push([checker.symbolToString(property), { k: "unsendable", d: "a symbol-keyed field", fix: "use a string key" }, false]);
        continue;
      }
      if (isPrivate(property)) {
        // A class's private field: the checker takes only that class's own instances, which JSON cannot make.
        return { k: "object", props: [[name, this.unsendable(`an instance of ${checker.typeToString(type)} (private fields)`, "send plain data and build the instance in the handler"), false]] };
      }
      // A name every object has (toString, constructor...): the checker compares what every object
      // has there, so absent passes exactly when that fits, whatever the `?`.
      const inherited = checker.getPropertyOfType(this.probe.empty, name);
      const optional = inherited
        ? this.relation.admits(checker.getTypeOfSymbol(inherited), propertyType, !partwise)
        : // Optional also when its type admits undefined (JSON drops undefined, so absent is how it arrives).
          (property.flags & ts.SymbolFlags.Optional) !== 0 || admitsUndefined(propertyType);
      // Below an intersection the weak-type rule is off, and what every object has may fit where it did not.
      if (inherited && !optional && !partwise && this.relation.admits(checker.getTypeOfSymbol(inherited), propertyType, false)) absentIfLoose.push(name);
      this.site = `${site}.${name}`;
      if (inherited) this.quiet++;
      try {
        const shape = this.shapeOf(withoutUndefined(propertyType, checker), depth + 1);
        props.push(partwise ? [name, shape, optional, 1] : [name, shape, optional]);
      } finally {
        if (inherited) this.quiet--;
      }
    }
    for (const part of parts) {
      for (const info of checker.getIndexInfosOfType(part)) {
        const key = info.keyType.flags & ts.TypeFlags.Number ? ({ k: "number" } as const) : info.keyType.flags & ts.TypeFlags.StringLike ? this.shapeOf(info.keyType, depth + 1) : undefined;
        if (key) keys.push([key, this.shapeOf(withoutUndefined(info.type, checker), depth + 1)]);
      }
    }
    this.site = site;
    const shape: ObjectShape = { k: "object", props };
    if (absentIfLoose.length > 0) shape.absentIfLoose = absentIfLoose;
    if (keys.length > 0) shape.keys = keys;
    if (this.relation.isWeak(type)) shape.weak = true;
    if (isPartialMappedType(type)) shape.empty = true;
    if (type.isIntersection()) shape.meet = true;
    const strict = this.admitted(type, keys, true);
    Object.assign(shape, strict);
    // Below an intersection the checker applies no weak-type rule: what a weak type then admits.
    if (shape.weak) {
      const loose = this.admitted(type, keys, false);
      if (loose.prims !== strict.prims || JSON.stringify(loose.items) !== JSON.stringify(strict.items)) shape.loose = loose;
    }
    return shape;
  }

  /**
   * A brand: an object type whose fields are all marks no value has, named
   * `__...` or keyed by a symbol (`{ readonly __brand: "UserId" }`,
   * `{ readonly [tag]: "UserId" }`).
   */
  private isBrand(type: ts.Type): boolean {
    if (!(type.flags & ts.TypeFlags.Object) || isCallable(type) || this.checker.isArrayType(type) || this.checker.isTupleType(type)) return false;
    const properties = this.checker.getPropertiesOfType(type);
    return properties.length > 0 && properties.every((p) => p.getName().startsWith("__"));
  }

  /** The primitives and arrays an object type admits, with or without the weak-type rule. */
  private admitted(type: ts.Type, keys: NonNullable<ObjectShape["keys"]>, weakRule: boolean): { prims?: string; items?: Shape[] } {
    const checker = this.checker;
    const prims = [
      this.relation.admits(checker.getStringType(), type, weakRule) ? "s" : "",
      this.relation.admits(checker.getNumberType(), type, weakRule) ? "n" : "",
      this.relation.admits(checker.getBooleanType(), type, weakRule) ? "b" : "",
    ].join("");
    const items = this.arrayItems(type, keys, weakRule);
    return { ...(prims ? { prims } : {}), ...(items ? { items } : {}) };
  }

  /**
   * Arrays an object type admits: every array (`object`, `{}`: no item
   * shapes), those whose items fit each index signature that numbers fall
   * under (string, number and `${number}` keys), or none (undefined).
   */
  private arrayItems(type: ts.Type, keys: NonNullable<ObjectShape["keys"]>, weakRule: boolean): Shape[] | undefined {
    if (this.relation.admits(this.probe.unknownArray, type, weakRule)) return [];
    if (!this.relation.admits(this.probe.neverArray, type, weakRule)) return undefined;
    return keys.filter(([key]) => key.k === "string" || key.k === "number" || (key.k === "tpl" && key.texts.every((text) => text === "") && key.holes.length === 1 && key.holes[0]!.k === "number")).map(([, item]) => item);
  }

  private nameOf(type: ts.Type): string | undefined {
    const alias = type.aliasSymbol;
    if (alias && !this.fromDefaultLib(alias)) return (type.aliasTypeArguments?.length ?? 0) > 0 ? this.checker.typeToString(type) : alias.getName();
    const symbol = type.getSymbol();
    const name = symbol?.getName();
    if (!symbol || !name || name.startsWith("__") || this.fromDefaultLib(symbol)) return undefined;
    if (!(symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.Class))) return undefined;
    return (type as ts.TypeReference).target && this.checker.getTypeArguments(type as ts.TypeReference).length > 0 ? this.checker.typeToString(type) : name;
  }

  /** A def's name for `type`, unique in this document (`Address`, `Address#2`). */
  private reserveName(type: ts.Type): string {
    const base = (this.nameOf(type) ?? this.checker.typeToString(type)).slice(0, 60);
    let name = base;
    for (let n = 2; Object.hasOwn(this.defs, name); n++) name = `${base}#${n}`;
    this.defs[name] = { k: "any" }; // held until the shape is ready
    return name;
  }

  private fromDefaultLib(symbol: ts.Symbol): boolean {
    return (symbol.declarations ?? []).some((declaration) => this.isLibFile(declaration.getSourceFile()));
  }

  /** A type only a generic context resolves (a type parameter, a conditional type...): nothing to check against. */
  private undecidable(type: ts.Type): Shape {
    if (this.quiet === 0) this.warnings.push(`${this.site} is ${this.checker.typeToString(type)}, which cannot be decided at run time: it is not checked.`);
    return { k: "any" };
  }

  private unsendable(d: string, fix: string): Shape {
    if (this.quiet === 0) {
      this.warnings.push(`${this.site} is ${d === "a function" ? d : `a ${d}`}, which cannot travel in a JSON message: ${fix}. Payloads with it are refused until then.`);
    }
    return { k: "unsendable", d, fix };
  }
}

/** A class's `private`, `protected` or `#private` member. */
function isPrivate(property: ts.Symbol): boolean {
  if (/^(__)?#/.test(property.getName())) return true;
  return (property.declarations ?? []).some((declaration) => (ts.getCombinedModifierFlags(declaration) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0);
}

function isTrue(type: ts.Type): boolean {
  return (type as unknown as { intrinsicName: string }).intrinsicName === "true";
}
