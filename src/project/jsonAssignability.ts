/**
 * Assignability under the JSON rules: whether every value of one type fits
 * another when a field whose type admits undefined may be absent (so an object
 * type of only such fields is weak). The checker answers everything but the
 * object types these rules change; those are walked here as it walks them.
 */
// Loaded with require, not import: see shapeDeriver.ts.
import { createRequire } from "node:module";
// Named so: tsc turns the next line into a createRequire call of its own; tsx (esbuild) into a call of this one.
const require = createRequire(import.meta.url);
import tsMorph = require("ts-morph");
import ts = tsMorph.ts;

export const PRIMITIVE =
  ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike | ts.TypeFlags.BooleanLike | ts.TypeFlags.BigIntLike | ts.TypeFlags.ESSymbolLike | ts.TypeFlags.Null | ts.TypeFlags.Undefined | ts.TypeFlags.Void;

export class JsonAssignability {
  constructor(private readonly checker: ts.TypeChecker) {}

  /**
   * Whether every value of `source` (string, number, boolean, an array or
   * function type) fits `target`, under the JSON rules: a field whose type
   * admits undefined may be absent, so an object type of only such fields is
   * weak. The rules change the answer both ways, anywhere down the fields, so
   * object types are walked here as the checker walks them, and the checker
   * is asked of everything else.
   */
  admits(source: ts.Type, target: ts.Type, weakRule = true, seen = new Map<ts.Type, Set<ts.Type>>()): boolean {
    const checker = this.checker;
    if (target.isUnion()) return target.types.some((member) => !(member.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) && this.admits(source, member, weakRule, seen));
    const structured = (target.flags & ts.TypeFlags.Object && !checker.isArrayType(target) && !checker.isTupleType(target)) || target.isIntersection();
    // Walked only from a value with fields of its own to hold against the type's (not unknown, null...).
    const fielded = (source.flags & (ts.TypeFlags.Object | ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike | ts.TypeFlags.BooleanLike)) !== 0;
    if (!structured || !fielded) return checker.isTypeAssignableTo(source, target);
    if (weakRule && this.isWeak(target)) {
      // The weak-type rule: some field in common, counting only the type's own fields (not what every object has).
      const own = new Set(checker.getPropertiesOfType(target).map((p) => p.getName()));
      const fields = checker.getPropertiesOfType(source);
      if ((fields.length > 0 || isCallable(source)) && !fields.some((p) => own.has(p.getName()))) return false;
    }
    // A pair met again inside itself is taken to hold, as the checker takes it.
    const pairs = seen.get(source) ?? new Set<ts.Type>();
    if (pairs.has(target)) return true;
    seen.set(source, pairs.add(target));
    const parts = target.isIntersection() ? target.types : [target];
    // The parts of an intersection are related on their own, without the weak-type rule below...
    if (!parts.every((part) => this.partAdmits(source, part, weakRule && parts.length === 1, seen))) return false;
    // ...then, for an object (an array, a function), its fields to the merged ones, with the rule.
    if (!target.isIntersection() || !weakRule || !(source.flags & ts.TypeFlags.Object)) return true;
    return checker.getPropertiesOfType(target).every((property) => {
      const own = propertyOf(checker, source, property);
      const declared = checker.getTypeOfSymbol(property);
      return own ? this.admits(checker.getTypeOfSymbol(own), declared, true, seen) : (property.flags & ts.SymbolFlags.Optional) !== 0 || admitsUndefined(declared);
    });
  }

  /** The checker's structural relation of `source` to one object type, fields admitting undefined optional. */
  private partAdmits(source: ts.Type, target: ts.Type, weakRule: boolean, seen: Map<ts.Type, Set<ts.Type>>): boolean {
    const checker = this.checker;
    if (!(target.flags & ts.TypeFlags.Object)) return checker.isTypeAssignableTo(source, target);
    if (isCallable(target) && !isCallable(source)) return false;
    if (isCallable(target)) return checker.isTypeAssignableTo(source, target);
    for (const property of checker.getPropertiesOfType(target)) {
      const declared = checker.getTypeOfSymbol(property);
      const own = propertyOf(checker, source, property);
      if (own ? !this.admits(checker.getTypeOfSymbol(own), declared, weakRule, seen) : !(property.flags & ts.SymbolFlags.Optional) && !admitsUndefined(declared)) return false;
    }
    const primitive = (source.flags & PRIMITIVE) !== 0;
    const numberIndex = checker.getIndexInfosOfType(source).find((info) => info.keyType.flags & ts.TypeFlags.Number);
    const infos = checker.getIndexInfosOfType(target);
    const stringIndex = infos.some((info) => info.keyType.flags & ts.TypeFlags.String);
    for (const info of infos) {
      const key = info.keyType;
      // Beside a string index signature, one of type any takes any object or array (not a primitive).
      if (stringIndex && info.type.flags & ts.TypeFlags.Any && !primitive) continue;
      // Strings and arrays have one index signature, on numbers: it answers for number and `${number}` keys only.
      const numeric = key.flags & ts.TypeFlags.Number || (key.flags & ts.TypeFlags.TemplateLiteral && checker.typeToString(key) === "`${number}`");
      if (!numeric || !numberIndex || !this.admits(numberIndex.type, info.type, weakRule, seen)) return false;
    }
    return true;
  }

  /** TypeScript's weak type: properties, all optional, and nothing else (no index signature, no call signature). */
  isWeak(type: ts.Type): boolean {
    if (type.isIntersection()) return type.types.every((member) => this.isWeak(member));
    if (!(type.flags & ts.TypeFlags.Object)) return false;
    if (type.getCallSignatures().length > 0 || type.getConstructSignatures().length > 0) return false;
    if (this.checker.getIndexInfosOfType(type).length > 0) return false;
    const properties = this.checker.getPropertiesOfType(type);
    return properties.length > 0 && properties.every((p) => (p.flags & ts.SymbolFlags.Optional) !== 0 || admitsUndefined(this.checker.getTypeOfSymbol(p)));
  }
}

/** `source`'s property of the same name as `property` (symbol-keyed ones too), as the checker finds it. */
function propertyOf(checker: ts.TypeChecker, source: ts.Type, property: ts.Symbol): ts.Symbol | undefined {
  const name = property.getName();
  if (!name.startsWith("__@")) return checker.getPropertyOfType(source, name);
  return checker.getPropertiesOfType(source).find((candidate) => candidate.escapedName === property.escapedName);
}

export function isCallable(type: ts.Type): boolean {
  return type.getCallSignatures().length > 0 || type.getConstructSignatures().length > 0;
}

export function admitsUndefined(type: ts.Type): boolean {
  if (type.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void | ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return true;
  return type.isUnion() && type.types.some((member) => member.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void));
}

/** A property's type minus the `undefined` that `?` (or `| undefined`) adds: JSON has no undefined, only absence. */
export function withoutUndefined(type: ts.Type, checker: ts.TypeChecker): ts.Type {
  // `n?: never` is undefined alone: nothing may be there.
  if (type.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) return checker.getNeverType();
  if (!type.isUnion()) return type;
  const kept = type.types.filter((member) => !(member.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)));
  if (kept.length === type.types.length) return type;
  if (kept.length === 0) return checker.getNeverType();
  // getNonNullableType would drop null too, which JSON does carry.
  return kept.length === 1 ? kept[0]! : (checker as unknown as { getUnionType(types: ts.Type[]): ts.Type }).getUnionType(kept);
}

export /**
 * A mapped type that adds `?` (Partial<T>, `{ [K in X]?: T }`): the checker
 * accepts an empty object for it outright, whatever its properties.
 */
function isPartialMappedType(type: ts.Type): boolean {
  if (!(type.flags & ts.TypeFlags.Object) || !((type as ts.ObjectType).objectFlags & ts.ObjectFlags.Mapped)) return false;
  const question = (type as unknown as { declaration?: ts.MappedTypeNode }).declaration?.questionToken;
  return question !== undefined && question.kind !== ts.SyntaxKind.MinusToken;
}
