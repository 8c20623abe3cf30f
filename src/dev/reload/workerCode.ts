/**
 * The user's code as dev runs it: each build (bundler.ts), the payload shapes
 * that build embeds (what POST / checks payloads against, so they are those of
 * the code that runs) and a background type check after it.
 */
import path from "node:path";
import type { WorkerPaths } from "../../project/paths.js";
import type { PayloadSchemas } from "../../runtime/payloadShapeTypes.js";
import { PayloadSchemaSource } from "../types/payloadSchemaSource.js";
import { BackgroundTypeChecks, type TypesState } from "../types/typeChecks.js";
import { DevBundler, type DevBuild } from "./bundler.js";

export interface WorkerCodeOptions {
  paths: Pick<WorkerPaths, "root" | "typesIndex" | "workerPackageJson" | "stateDir">;
  /** The module dev loads (devEntry). */
  entry: string;
  /** Where builds are written: the handler processes' task root. */
  outDir: string;
  typecheck: boolean;
  /** @letsgo/types declares fields no JSON message carries: said when they change, not on every build. */
  onWarnings(warnings: string[]): void;
  onTypesChecked(state: TypesState): void;
}

export class WorkerCode {
  private readonly bundler: DevBundler;
  private readonly typeChecks: BackgroundTypeChecks;
  private schemas: PayloadSchemas | undefined;
  private readonly firstBuild: Promise<void>;
  private firstBuilt!: () => void;
  /** What payloads are checked against: the types whose interface @letsgo/types declares, and what it declares that JSON cannot carry. */
  readonly payloadTypes: { file: string; checked: string[]; warnings: string[] };

  constructor(private readonly options: WorkerCodeOptions) {
    const { paths } = options;
    // Reading the types may load the TypeScript checker (~1 s when they changed): under way while the rest starts.
    const payloadSchemas = new PayloadSchemaSource(paths.typesIndex, path.join(paths.stateDir, "payload-schemas.json"));
    payloadSchemas.prefetch();
    this.bundler = new DevBundler({ root: paths.root, entry: options.entry, typesIndex: paths.typesIndex, workerPackageJson: paths.workerPackageJson, outDir: options.outDir, payloadSchemas });
    this.typeChecks = new BackgroundTypeChecks(paths.root, options.typecheck, options.onTypesChecked);
    this.payloadTypes = { file: paths.typesIndex, checked: [], warnings: [] };
    this.firstBuild = new Promise<void>((resolve) => (this.firstBuilt = resolve));
  }

  /** Build the current code (the pool calls this at start and on each reload). */
  async build(): Promise<DevBuild> {
    const result = await this.bundler.build().finally(this.firstBuilt);
    if (!result.ok) return result;
    this.typeChecks.request();
    this.schemas = result.payloadSchemas.schemas;
    this.payloadTypes.checked = Object.keys(this.schemas.messages);
    const { warnings } = result.payloadSchemas;
    const changed = warnings.join("\n") !== this.payloadTypes.warnings.join("\n");
    this.payloadTypes.warnings = warnings;
    if (changed && warnings.length > 0) this.options.onWarnings(warnings);
    return result;
  }

  /** The shapes of the code that runs; undefined before the first good build. */
  get payloadSchemas(): PayloadSchemas | undefined {
    return this.schemas;
  }

  /** For a request that came before the first build (a sender retried through the 503): waits for it. */
  async settledPayloadSchemas(): Promise<PayloadSchemas | undefined> {
    if (!this.schemas) await this.firstBuild;
    return this.schemas;
  }

  get types(): TypesState {
    return this.typeChecks.state;
  }

  close(): void {
    this.typeChecks.close();
  }
}
