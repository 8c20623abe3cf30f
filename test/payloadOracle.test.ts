/**
 * Function: payload checks ≡ the TypeScript checker.
 *
 * The derivation (derivePayloadSchemas) and the check (payloadProblem) are held
 * against an oracle we did not write: the TypeScript checker's assignability of
 * each value, as a literal, to the payload type (./support/payloadOracle.ts).
 * - 10,000 generated values (500 generated types × 20 values near their edges,
 *   ./support/payloadCases.ts), from a fresh seed each run: the seed is printed,
 *   LETSGO_ORACLE_SEED=<seed> replays a run, LETSGO_ORACLE_TYPES=<n> runs more;
 * - a fixed corpus: every construct by hand, and the cases reported in issue 20;
 * - the string rules (numbers, bigints, numeric keys) against the checker's own
 *   functions, on generated strings.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import ts from "typescript";
import { isBigIntText, isNumericKey } from "../src/runtime/stringShapes.js";
import { payloadCaseArbitrary } from "./support/payloadCases.js";
import { compareWithTypeScript, describeDisagreement, type OracleRun, type PayloadCase } from "./support/payloadOracle.js";

/** LETSGO_ORACLE_TYPES runs more (a longer search for disagreements); CI runs the default. */
const GENERATED_TYPES = Number(process.env.LETSGO_ORACLE_TYPES ?? 500);
const VALUES_PER_TYPE = 20;

function assertAgreement(run: OracleRun, where: string): void {
  const shown = run.disagreements.slice(0, 8).map(describeDisagreement).join("\n\n");
  assert.equal(run.disagreements.length, 0, `${run.disagreements.length} of ${run.values} values judged otherwise than TypeScript judges them (${where}):\n\n${shown}`);
}

describe("Function: payload checks ≡ the TypeScript checker", () => {
  test(`${GENERATED_TYPES * VALUES_PER_TYPE} generated values against ${GENERATED_TYPES} generated types`, (t) => {
    const seed = Number(process.env.LETSGO_ORACLE_SEED ?? Math.floor(Math.random() * 2 ** 31));
    t.diagnostic(`seed ${seed} (LETSGO_ORACLE_SEED=${seed} replays this run)`);
    const cases = fc.sample(payloadCaseArbitrary(VALUES_PER_TYPE), { seed, numRuns: GENERATED_TYPES });
    const run = compareWithTypeScript(cases);
    t.diagnostic(`${run.values} values: TypeScript accepted ${run.accepted}, refused ${run.refused}; ${run.disagreements.length} disagreements`);
    assertAgreement(run, `seed ${seed}; LETSGO_ORACLE_SEED=${seed} replays it`);
    // A run where one verdict dominates would prove little.
    assert.ok(run.accepted > run.values * 0.3 && run.refused > run.values * 0.2, `a one-sided run: ${run.accepted} accepted, ${run.refused} refused`);
  });

  test("the fixed corpus: every construct by hand, and the cases issue 20 reported", (t) => {
    const run = compareWithTypeScript(CORPUS);
    t.diagnostic(`${run.values} values in ${run.cases} cases: TypeScript accepted ${run.accepted}, refused ${run.refused}`);
    assertAgreement(run, "the fixed corpus");
  });

  test("the oracle itself: TypeScript's verdicts on the issue's named cases are the ones the issue states", () => {
    // Guards the harness: were the oracle to accept everything, the corpus could not fail.
    const named: PayloadCase[] = [
      { name: "rest first", declarations: "", payload: "[...string[], number]", values: [[5, "a"]] },
      { name: "1e400px", declarations: "", payload: "`${number}px`", values: ["1e400px"] },
      { name: "method", declarations: "", payload: "{ amount: number; format(): string }", values: [{ amount: 1 }] },
      { name: "never-reducing", declarations: "", payload: '{ k: "x" } & { k: "y" }', values: [{ k: "x" }] },
      { name: "upper", declarations: "", payload: "{ up: Uppercase<string> }", values: [{ up: 5 }] },
    ];
    const run = compareWithTypeScript(named);
    assert.equal(run.accepted, 0);
    assert.equal(run.refused, named.length);
    assertAgreement(run, "the named cases");
  });

  test("the recursive JSON type derives to a few named shapes, not an expansion", () => {
    const json: PayloadCase = {
      name: "Json",
      declarations: "export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };",
      payload: "{ data: Json; list: Json[] }",
      values: [{ data: { a: [1, "x", null, { b: true }] }, list: [] }, { data: { a: [1, undefined] }, list: [] }, { data: [[[[{}]]]], list: [1] }],
    };
    const run = compareWithTypeScript([json]);
    assertAgreement(run, "the Json type");
    // 152 MB when the union was expanded at every use (issue 20); one def now.
    assert.ok(run.derived.schemaBytes < 2_000, `schema of ${run.derived.schemaBytes} bytes`);
  });

  test("Function: isBigIntText ≡ the checker's isValidBigIntString, on generated texts", () => {
    const texts = fc.sample(fc.stringMatching(/^[-+ ]?(0[xXoObB_]?)?[0-9a-fA-F_.enN ]{0,6}$/), { seed: 7, numRuns: 5_000 });
    const validBigInt = (ts as unknown as { isValidBigIntString(text: string, roundTripOnly: boolean): boolean }).isValidBigIntString;
    const differing = texts.filter((text) => isBigIntText(text) !== validBigInt(text, false));
    assert.deepEqual(differing.slice(0, 10), []);
  });

  test("Function: isNumericKey ≡ the checker's isNumericLiteralName, on generated keys", () => {
    const keys = fc.sample(fc.oneof(fc.stringMatching(/^[-+ ]?[0-9.eExXInfinityNa]{0,8}$/), fc.double().map(String), fc.integer().map(String)), { seed: 11, numRuns: 5_000 });
    const numericName = (ts as unknown as { isNumericLiteralName(name: string): boolean }).isNumericLiteralName;
    const differing = keys.filter((key) => isNumericKey(key) !== numericName(key));
    assert.deepEqual(differing.slice(0, 10), []);
  });
});

/** Values often worth trying against anything. */
const ANY_JSON = ["", "a", 0, 1, -1, 1.5, true, false, null, [], [1], ["a"], {}, { a: 1 }];

/**
 * [name, declarations, payload type, values, the payload type in JSON's terms
 * where the JSON rules apply (README, "Fidelity")]: the oracle rules on each.
 */
const HAND: Array<[string, string, string, unknown[], string?]> = [
  ["primitives", "", "{ s: string; n: number; b: boolean; z: null }", [{ s: "", n: 0, b: false, z: null }, { s: 1, n: 0, b: false, z: null }, { s: "", n: 0, b: false }, { s: "", n: "0", b: false, z: null }]],
  ["optional, | undefined, | null", "", "{ a?: string; b: string | undefined; c: string | null; d?: number | null }", [{ c: null }, { a: "x", b: "y", c: "z", d: null }, { a: null, c: null }, { b: null, c: null }, {}, { c: "x", d: "1" }], "{ a?: string; b?: string | undefined; c: string | null; d?: number | null }"],
  ["literals", "", '{ s: "a" | "b"; n: 1 | 2 | -1.5; t: true }', [{ s: "a", n: -1.5, t: true }, { s: "c", n: 1, t: true }, { s: "a", n: 3, t: true }, { s: "a", n: 1, t: false }]],
  ["unions and discriminated unions", "", '{ kind: "click"; x: number } | { kind: "key"; key: string } | { kind: "voucher" | "gift"; code: string }', [{ kind: "click", x: 1 }, { kind: "key", key: "k" }, { kind: "gift", code: "c" }, { kind: "click", key: "k" }, { kind: "voucher" }, { kind: "other" }, { x: 1 }]],
  ["nested discriminated unions", "export type Shape = { t: \"c\"; r: number } | { t: \"g\"; of: Shape[] };", "Shape", [{ t: "g", of: [{ t: "c", r: 1 }, { t: "g", of: [] }] }, { t: "g", of: [{ t: "c", r: "1" }] }, { t: "g", of: [{ t: "x" }] }]],
  ["intersections", "", "{ a: string } & { b?: number } & { c: { d: boolean } }", [{ a: "x", c: { d: true } }, { a: "x", b: "1", c: { d: true } }, { a: "x", c: {} }, { a: "x" }]],
  ["never-reducing intersection", "", '{ k: "x"; a: number } & { k: "y" }', [{ k: "x", a: 1 }, { k: "y", a: 1 }, {}, ...ANY_JSON]],
  ["any & a part", "", '{ a: any } & { a?: "x" }', [{ a: "x" }, { a: "y" }, {}, { a: 1 }], '{ a?: any } & { a?: "x" }'],
  ["any & a required part", "", '{ a: any } & { a: "x" }', [{ a: "x" }, { a: "y" }, {}]],
  ["arrays and readonly arrays", "", "{ a: string[]; b: readonly number[]; c: Array<{ x: 1 }>; d: ReadonlyArray<boolean> }", [{ a: [], b: [1], c: [{ x: 1 }], d: [true] }, { a: [1], b: [], c: [], d: [] }, { a: [], b: [], c: [{ x: 2 }], d: [] }]],
  ["tuples: optional elements", "", "[string, number?, boolean?]", [["a"], ["a", 1], ["a", 1, true], ["a", true], [], ["a", 1, true, 2]]],
  ["tuples: rest first", "", "[...string[], number]", [[5, "a"], ["a", "b", 5], [5], [], ["a"], ["a", 5, 5]]],
  ["tuples: rest in the middle", "", "[string, ...number[], boolean]", [["a", true, 1], ["a", 1, 2, true], ["a", true], ["a"], [true], ["a", "b", true]]],
  ["tuples: rest last", "", "readonly [number, ...string[]]", [[1], [1, "a", "b"], [1, 2], ["a"]]],
  ["index signatures beside fields", "", "{ id: string; [key: string]: string | number }", [{ id: "a", n: 1, s: "x" }, { id: "a", b: true }, { id: 1 }, {}]],
  ["number index signature", "", "{ [n: number]: string }", [{ a: 1 }, { "1": "x" }, { "1": 1 }, { "01": 1 }, { "1.5": 1 }, { "-1": 1 }, { NaN: 1 }, ["a", "b"], [1], "abc", 5]],
  ["template-literal index signature", "", "{ [k: `x_${string}`]: boolean; id?: string }", [{ x_a: true }, { x_a: 1 }, { y_a: 1 }, { x_: "s" }, [], "x"]],
  ["Record", "", "{ r1: Record<string, number>; r2: Record<\"a\" | \"b\", string>; r3: Record<`x_${string}`, boolean> }", [{ r1: { a: 1 }, r2: { a: "", b: "" }, r3: { x_1: true } }, { r1: {}, r2: { a: "" }, r3: {} }, { r1: { a: "1" }, r2: { a: "", b: "" }, r3: {} }, { r1: {}, r2: { a: "", b: "" }, r3: { x_a: 1 } }]],
  ["Partial, Required, Pick, Omit", "export interface Customer { id: string; email?: string; name: string }", "{ p: Partial<Customer>; r: Required<Customer>; k: Pick<Customer, \"id\">; o: Omit<Customer, \"name\"> }", [{ p: {}, r: { id: "", email: "", name: "" }, k: { id: "" }, o: { id: "" } }, { p: { id: 1 }, r: { id: "", name: "" }, k: {}, o: {} }, { p: { zz: 1 }, r: { id: "", email: "", name: "" }, k: { id: "" }, o: { id: "" } }]],
  ["template literals: numbers", "", "`${number}px`", ["1px", "1e400px", ".5px", "+1px", "0x10px", "1.px", "px", "-1e3px", " 1px", "abcpx", "Infinitypx", "1_0px"]],
  ["template literals: bigint", "", "`id_${bigint}`", ["id_1", "id_-1", "id_01", "id_0x1F", "id_1.5", "id_1n", "id_", "id_-0", "id_0b12"]],
  ["template literals: boolean and literal holes", "", '`${boolean}-${"a" | "b"}`', ["true-a", "false-b", "True-a", "true-c"]],
  ["template literals: first match, no backtracking", "", "`${string}-${number}`", ["a-1", "a-b-1", "-1", "a-", "a--1"]],
  ["template literals: adjacent holes", "", "`${number}${string}`", ["1a", "12", "a1", "", "1"]],
  ["intrinsic string types", "", "{ up: Uppercase<string>; low?: Lowercase<string>; cap?: Capitalize<string>; unc?: Uncapitalize<string>; x?: `${Uppercase<string>}-X` }", [{ up: "AB" }, { up: "Ab" }, { up: 5 }, { up: "", low: "aB" }, { up: "", cap: "ab" }, { up: "", unc: "Ab" }, { up: "", x: "AB-X" }, { up: "", x: "ab-X" }, { up: "ß" }, { up: "SS" }]],
  ["numeric enums", "export enum Level { One = 1, Two = 2 }", "{ l?: Level; one?: Level.One }", [{}, { l: 2 }, { l: 3 }, { l: "1" }, { one: 1 }, { one: 2 }]],
  ["recursive: self", "export interface ListNode { value: number; next: ListNode | null }", "ListNode", [{ value: 1, next: null }, { value: 1, next: { value: 2, next: null } }, { value: 1, next: { value: "2", next: null } }, { value: 1 }]],
  ["recursive: mutual", "export interface A { b?: B; x: string } export interface B { a: A[] }", "A", [{ x: "" }, { x: "", b: { a: [{ x: "" }] } }, { x: "", b: { a: [{ x: 1 }] } }, { x: "", b: {} }]],
  ["recursive: through aliases", "export type TreeNode = { name: string; kids: TreeNode[] } | null", "TreeNode", [null, { name: "a", kids: [null, { name: "b", kids: [] }] }, { name: "a", kids: [{ name: 1, kids: [] }] }]],
  ["{}, object, Object", "", "{ e: {}; o: object; O: Object }", [{ e: "s", o: {}, O: 1 }, { e: 1, o: [], O: "x" }, { e: null, o: {}, O: 1 }, { e: {}, o: "s", O: 1 }, { e: [], o: [1], O: [] }, { e: {}, o: {}, O: null }, { e: {}, o: {}, O: { constructor: 1 } }]],
  ["Record<string, any> and Record<string, unknown>", "", "{ a: Record<string, any>; u: Record<string, unknown> }", [{ a: {}, u: {} }, { a: "s", u: {} }, { a: [], u: {} }, { a: {}, u: [] }, { a: 5, u: {} }]],
  ["weak types", "", "{ w: { length?: number }; v: { x?: number; y?: string } }", [{ w: "s", v: {} }, { w: 5, v: {} }, { w: [], v: {} }, { w: {}, v: { z: 1 } }, { w: {}, v: { x: 1, z: 1 } }, { w: { length: "1" }, v: {} }, { w: {}, v: [] }]],
  ["methods", "", "{ amount: number; format(): string; parse?(): number }", [{ amount: 1 }, { amount: 1, format: "x" }]],
  ["a field every object has", "", "{ toString: () => string; valueOf?: string }", [{}, { toString: "x" }, { valueOf: "v" }, "s", 1]],
  ["bigint, Date, Map, Set, functions refuse every value", "", "{ d?: Date; m?: Map<string, string>; s?: Set<number>; f?: () => void; b?: bigint }", [{}, { d: "2026-01-01T00:00:00Z" }, { m: {} }, { s: [] }, { f: "x" }, { b: "1" }, { b: 1 }]],
  ["Error is plain fields", "", "{ e: Error }", [{ e: { name: "E", message: "m" } }, { e: { message: "m" } }, { e: "m" }]],
  ["any, unknown, never", "", "{ a: any; u: unknown; n?: never }", [{ a: 1, u: null }, {}, { n: 1 }, { a: undefined }], "{ a?: any; u?: unknown; n?: never }"],
  ["Json", "export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };", "Json", [1, "s", null, [1, [2, { a: [] }]], { a: { b: [true] } }, ...ANY_JSON]],
  ["deep list, bad leaf past 64 levels", "export interface ListNode { value: number; next?: ListNode }", "ListNode", [chain(80, 1), chain(80, "bad"), chain(99, "bad")]],
  ["deep tree, bad leaf past 64 levels", "export interface TreeNode { name: string; children?: TreeNode[] }", "TreeNode", [tree(48, "ok"), tree(48, 7)]],
];

const IMPORTED: PayloadCase = {
  name: "types imported from another file",
  declarations: "",
  otherFile: "export interface ImportedAddress { street: string; zip?: `${number}` }",
  imports: ["ImportedAddress"],
  payload: "{ to: ImportedAddress; from?: ImportedAddress }",
  values: [{ to: { street: "" } }, { to: { street: "", zip: "12345" } }, { to: { street: "", zip: "abc" } }, { to: {} }, { to: { street: "" }, from: 1 }],
};

/** The JSON rules, which the oracle is given in JSON's terms (README, "Fidelity"). */
const RULES: PayloadCase[] = [
  {
    name: "a string enum member travels as its string",
    declarations: 'export enum Channel { Web = "web", Phone = "phone" }',
    oracleDeclarations: "",
    payload: "{ c: Channel; w?: Channel.Web }",
    oraclePayload: '{ c: "web" | "phone"; w?: "web" }',
    values: [{ c: "web" }, { c: "fax" }, { c: "phone", w: "web" }, { c: "phone", w: "phone" }],
  },
  {
    name: "a branded primitive travels as its primitive",
    declarations: 'export type UserId = string & { readonly __brand: "UserId" };',
    oracleDeclarations: "export type UserId = string;",
    payload: '{ id: UserId; n: number & { __unit: "cents" } }',
    oraclePayload: "{ id: UserId; n: number }",
    values: [{ id: "u", n: 1 }, { id: 1, n: 1 }, { id: "u", n: "1" }],
  },
  {
    name: "a field whose type admits undefined may be absent",
    declarations: "",
    payload: "{ a: string | undefined; u: unknown; x: any }",
    oraclePayload: "{ a?: string | undefined; u?: unknown; x?: any }",
    values: [{}, { a: "s" }, { a: 1 }, { u: null, x: [] }],
  },
];

const CORPUS: PayloadCase[] = [
  ...HAND.map(([name, declarations, payload, values, oraclePayload]) => ({ name, declarations, payload, values, ...(oraclePayload ? { oraclePayload } : {}) })),
  IMPORTED,
  ...RULES,
];

function chain(length: number, leaf: unknown): unknown {
  let node: Record<string, unknown> = { value: leaf };
  for (let i = 1; i < length; i++) node = { value: i, next: node };
  return node;
}

function tree(depth: number, leaf: unknown): unknown {
  let node: Record<string, unknown> = { name: leaf };
  for (let i = 1; i < depth; i++) node = { name: `n${i}`, children: [{ name: "sibling" }, node] };
  return node;
}
