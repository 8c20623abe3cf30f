/**
 * The payload shapes of a project's messages, read from @letsgo/types
 * (packages/types/index.ts) by the TypeScript checker: every exported interface
 * or type whose `type` is one string (an enum member or a literal) and which has
 * a `payload` gives that message type's shape. The user writes no second
 * schema; what the checker resolves (unions, optional fields, arrays, nested
 * and named types, enums, template literals, Partial/Pick/Record...) is what is
 * checked (../runtime/payloadShape.ts).
 *
 * Decisions, also in the README:
 * - Extra fields are allowed, as TypeScript's structural typing allows them.
 * - `Date` (and bigint, Map, Set, functions, binary) cannot travel in JSON: a
 *   handler typed `Date` would get a string. Such a field refuses every value,
 *   with a message to declare it `string` (ISO 8601) instead; deriving warns.
 * - `any`, `unknown` and a payload typed `any` check nothing.
 *
 * Loading the compiler costs ~0.5 s: `dev` derives in a separate process and
 * keeps the result (./payloadSchemaCache.ts); `build` derives once per image.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { Project, ts } from "ts-morph";
import type { PayloadSchemas, Shape } from "../runtime/payloadShape.js";

export interface DerivedPayloadSchemas {
  schemas: PayloadSchemas;
  /** Things a person should change, e.g. a `Date` field. One line each. */
  warnings: string[];
  /** Every file the types were read from (the cache's key). */
  files: string[];
}

/** Lib types that are objects in TypeScript but do not survive JSON, and what to declare instead. */
const UNSENDABLE_LIB_TYPES: Record<string, string> = {
  Date: "declare it as string (an ISO 8601 time, e.g. new Date().toISOString()) and parse it in the handler",
  Map: "declare it as Record<string, T> and send Object.fromEntries(map)",
  Set: "declare it as T[] and send [...set]",
  WeakMap: "send plain data instead",
  WeakSet: "send plain data instead",
  Promise: "await it before enqueueing and send its value",
  RegExp: "declare it as string (the pattern's source)",
  Error: "declare the fields you need (e.g. { message: string })",
  ArrayBuffer: "declare it as string and send it base64-encoded",
  Uint8Array: "declare it as string and send it base64-encoded",
  Buffer: "declare it as string and send it base64-encoded",
};

export function derivePayloadSchemas(typesIndex: string): DerivedPayloadSchemas {
  const empty: DerivedPayloadSchemas = { schemas: { v: 1, messages: {}, defs: {} }, warnings: [], files: [] };
  if (!existsSync(typesIndex)) return empty;
  // ts-morph's Project, not ts.createProgram: it carries the TypeScript lib files itself.
  const project = new Project({
    skipAddingFilesFromTsConfig: true,
    compilerOptions: {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      // No DOM and no @types: only the language's own types, which payloads use.
      lib: ["lib.es5.d.ts", "lib.es2015.collection.d.ts", "lib.es2015.promise.d.ts", "lib.es2015.iterable.d.ts"],
      types: [],
    },
  });
  project.addSourceFileAtPath(typesIndex);
  project.resolveSourceFileDependencies();
  const program = project.getProgram().compilerObject;
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(typesIndex);
  const files = program
    .getSourceFiles()
    .filter((file) => !program.isSourceFileDefaultLibrary(file))
    .map((file) => path.resolve(file.fileName));
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (!source || !moduleSymbol) return { ...empty, files };

  const deriver = new ShapeDeriver(checker, (file) => program.isSourceFileDefaultLibrary(file) || /[\\/]@types[\\/]node[\\/]/.test(file.fileName));
  const messages: PayloadSchemas["messages"] = {};
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    if (!(symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias))) continue;
    const declared = checker.getDeclaredTypeOfSymbol(symbol);
    if (isGeneric(symbol)) continue;
    const typeProperty = checker.getPropertyOfType(declared, "type");
    const payloadProperty = checker.getPropertyOfType(declared, "payload");
    if (!typeProperty || !payloadProperty) continue;
    const typeOfType = checker.getTypeOfSymbol(typeProperty);
    if (!typeOfType.isStringLiteral()) continue;
    const messageType = typeOfType.value;
    if (Object.hasOwn(messages, messageType)) continue; // the first declaration names it
    deriver.site = `${exported.name}.payload`;
    const payloadType = checker.getTypeOfSymbol(payloadProperty);
    messages[messageType] = { declaredAs: exported.name, payload: deriver.shapeOf(withoutUndefined(payloadType, checker), 0) };
  }
  return { schemas: { v: 1, messages, defs: deriver.defs }, warnings: deriver.warnings, files };
}

function isGeneric(symbol: ts.Symbol): boolean {
  return (symbol.declarations ?? []).some(
    (declaration) => (ts.isInterfaceDeclaration(declaration) || ts.isTypeAliasDeclaration(declaration)) && (declaration.typeParameters?.length ?? 0) > 0,
  );
}

/** A property's type minus the `undefined` that `?` (or `| undefined`) adds: JSON has no undefined, only absence. */
function withoutUndefined(type: ts.Type, checker: ts.TypeChecker): ts.Type {
  return type.isUnion() ? checker.getNonNullableType(type) === type ? type : removeUndefined(type, checker) : type;
}

function removeUndefined(type: ts.UnionType, checker: ts.TypeChecker): ts.Type {
  const kept = type.types.filter((member) => !(member.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)));
  if (kept.length === type.types.length) return type;
  // getNonNullableType would drop null too, which JSON does carry.
  return kept.length === 1 ? kept[0]! : (checker as unknown as { getUnionType(types: ts.Type[]): ts.Type }).getUnionType(kept);
}

function admitsUndefined(type: ts.Type): boolean {
  if (type.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) return true;
  return type.isUnion() && type.types.some((member) => member.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void));
}

/** Nesting beyond this is treated as `any` (a guard; JSON payloads nest far less). */
const MAX_TYPE_DEPTH = 40;

class ShapeDeriver {
  readonly defs: PayloadSchemas["defs"] = {};
  readonly warnings: string[] = [];
  /** Where the shape being derived sits, for warnings: `OrderNewMessage.payload.dueAt`. */
  site = "";
  private readonly named = new Map<ts.Type, string>();

  constructor(
    private readonly checker: ts.TypeChecker,
    private readonly isLibFile: (file: ts.SourceFile) => boolean,
  ) {}

  shapeOf(type: ts.Type, depth: number): Shape {
    if (depth > MAX_TYPE_DEPTH) return { k: "any" };
    const flags = type.flags;
    if (flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return { k: "any" };
    if (flags & ts.TypeFlags.Never) return { k: "never" };
    if (flags & ts.TypeFlags.Null) return { k: "null" };
    if (type.isStringLiteral() || type.isNumberLiteral()) return { k: "literal", v: type.value };
    if (flags & ts.TypeFlags.BooleanLiteral) return { k: "literal", v: (type as unknown as { intrinsicName: string }).intrinsicName === "true" };
    if (flags & ts.TypeFlags.String) return { k: "string" };
    if (flags & ts.TypeFlags.Number) return { k: "number" };
    if (flags & ts.TypeFlags.Boolean) return { k: "boolean" };
    if (flags & ts.TypeFlags.TemplateLiteral) return this.pattern(type as ts.TemplateLiteralType);
    if (flags & (ts.TypeFlags.BigInt | ts.TypeFlags.BigIntLiteral)) return this.unsendable("bigint", "declare it as string and send String(value)");
    if (flags & (ts.TypeFlags.ESSymbol | ts.TypeFlags.UniqueESSymbol)) return this.unsendable("symbol", "send plain data instead");
    if (flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) return this.unsendable("undefined", "make the field optional (`name?:`) instead");
    if (type.isUnion()) return this.union(type, depth);
    if (type.isIntersection()) {
      // A branded primitive (`string & { __brand: "Id" }`) is its primitive at run time.
      const primitive = type.types.find((member) => member.flags & (ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike | ts.TypeFlags.BooleanLike));
      if (primitive) return this.shapeOf(primitive, depth + 1);
    }
    if (flags & ts.TypeFlags.NonPrimitive) return { k: "object", props: [], index: { k: "any" } }; // `object`
    if (flags & ts.TypeFlags.Object || type.isIntersection()) return this.objectLike(type, depth);
    return { k: "any" };
  }

  private union(type: ts.UnionType, depth: number): Shape {
    const members = type.types.filter((member) => !(member.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)));
    const shapes: Shape[] = [];
    const hasTrue = members.some((m) => m.flags & ts.TypeFlags.BooleanLiteral && (m as unknown as { intrinsicName: string }).intrinsicName === "true");
    const hasFalse = members.some((m) => m.flags & ts.TypeFlags.BooleanLiteral && (m as unknown as { intrinsicName: string }).intrinsicName === "false");
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

  private pattern(type: ts.TemplateLiteralType): Shape {
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    let re = `^${escape(type.texts[0] ?? "")}`;
    let d = `\`${type.texts[0] ?? ""}`;
    type.types.forEach((part, i) => {
      if (part.flags & ts.TypeFlags.Number) re += "-?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?";
      else if (part.isStringLiteral() || part.isNumberLiteral()) re += escape(String(part.value));
      else re += "[\\s\\S]*";
      d += `\${${this.checker.typeToString(part)}}${type.texts[i + 1] ?? ""}`;
      re += escape(type.texts[i + 1] ?? "");
    });
    return { k: "pattern", re: `${re}$`, d: `${d}\`` };
  }

  private objectLike(type: ts.Type, depth: number): Shape {
    const checker = this.checker;
    if (checker.isTupleType(type)) {
      const target = (type as ts.TypeReference).target as ts.TupleType;
      const args = checker.getTypeArguments(type as ts.TypeReference);
      const items: Shape[] = [];
      let req = 0;
      let rest: Shape | undefined;
      args.forEach((arg, i) => {
        const flag = target.elementFlags[i]!;
        if (flag & ts.ElementFlags.Variable) rest = this.shapeOf(arg, depth + 1);
        else {
          items.push(this.shapeOf(withoutUndefined(arg, checker), depth + 1));
          if (flag & ts.ElementFlags.Required) req = items.length;
        }
      });
      return rest ? { k: "tuple", items, req, rest } : { k: "tuple", items, req };
    }
    if (checker.isArrayType(type)) return { k: "array", of: this.shapeOf(checker.getTypeArguments(type as ts.TypeReference)[0]!, depth + 1) };
    const symbol = type.getSymbol();
    const libName = symbol && this.fromDefaultLib(symbol) ? symbol.getName() : undefined;
    if (libName && Object.hasOwn(UNSENDABLE_LIB_TYPES, libName)) return this.unsendable(libName, UNSENDABLE_LIB_TYPES[libName]!);
    if (libName === "ReadonlyArray") return { k: "array", of: this.shapeOf(checker.getTypeArguments(type as ts.TypeReference)[0]!, depth + 1) };
    if (type.getCallSignatures().length > 0) return this.unsendable("a function", "send plain data instead");
    if (/Array$/.test(libName ?? "")) return this.unsendable(libName!, "declare it as number[] or a base64 string");

    // Named types become defs: shared once, and recursive types terminate.
    const name = this.nameOf(type);
    if (name) {
      const known = this.named.get(type);
      if (known) return { k: "ref", name: known };
      const unique = this.uniqueName(name);
      this.named.set(type, unique);
      this.defs[unique] = { k: "any" }; // placeholder while its own fields refer back
      this.defs[unique] = this.objectShape(type, depth);
      return { k: "ref", name: unique };
    }
    return this.objectShape(type, depth);
  }

  private objectShape(type: ts.Type, depth: number): Shape {
    const checker = this.checker;
    const props: Array<[string, Shape, boolean]> = [];
    const site = this.site;
    for (const property of checker.getPropertiesOfType(type)) {
      const propertyType = checker.getTypeOfSymbol(property);
      if (property.flags & ts.SymbolFlags.Method) continue; // methods are not data; JSON drops them
      const optional = (property.flags & ts.SymbolFlags.Optional) !== 0 || admitsUndefined(propertyType);
      this.site = `${site}.${property.getName()}`;
      props.push([property.getName(), this.shapeOf(withoutUndefined(propertyType, checker), depth + 1), optional]);
    }
    this.site = site;
    const stringIndex = checker.getIndexInfosOfType(type).find((info) => info.keyType.flags & (ts.TypeFlags.String | ts.TypeFlags.Number));
    const shape: Shape = { k: "object", props };
    if (stringIndex) shape.index = this.shapeOf(withoutUndefined(stringIndex.type, checker), depth + 1);
    return shape;
  }

  private nameOf(type: ts.Type): string | undefined {
    const alias = type.aliasSymbol?.getName();
    if (alias && !this.fromDefaultLib(type.aliasSymbol!)) return alias;
    const symbol = type.getSymbol();
    const name = symbol?.getName();
    if (!symbol || !name || name.startsWith("__") || this.fromDefaultLib(symbol)) return undefined;
    return symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.Class) ? name : undefined;
  }

  private uniqueName(name: string): string {
    if (!Object.hasOwn(this.defs, name)) return name;
    let n = 2;
    while (Object.hasOwn(this.defs, `${name}#${n}`)) n++;
    return `${name}#${n}`;
  }

  private fromDefaultLib(symbol: ts.Symbol): boolean {
    return (symbol.declarations ?? []).some((declaration) => this.isLibFile(declaration.getSourceFile()));
  }

  private unsendable(d: string, fix: string): Shape {
    this.warnings.push(`${this.site} is ${d === "a function" ? d : `a ${d}`}, which cannot travel in a JSON message: ${fix}. Payloads with it are refused until then.`);
    return { k: "unsendable", d, fix };
  }
}
