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
  /** Messages came in before the types were first read: how many, once they are. */
  onUncheckedAtStart(count: number): void;
  onTypesChecked(state: TypesState): void;
  /** Whether messages are flowing: the background type check waits for a quiet moment. */
  busy?(): boolean;
}

export class WorkerCode {
  private readonly bundler: DevBundler;
  private readonly typeChecks: BackgroundTypeChecks;
  private schemas: PayloadSchemas | undefined;
  /** The shapes read at start (cached, or derived once): what intake checks against until the first build is done. */
  private initialSchemas: PayloadSchemas | undefined;
  /** Messages accepted before the types were first read. */
  private uncheckedAtStart = 0;
  /** What payloads are checked against: the types whose interface @letsgo/types declares, and what it declares that JSON cannot carry. */
  readonly payloadTypes: { file: string; checked: string[]; warnings: string[] };

  constructor(private readonly options: WorkerCodeOptions) {
    const { paths } = options;
    // Reading the types may load the TypeScript checker (~1 s when they changed): under way while the rest starts.
    const payloadSchemas = new PayloadSchemaSource(paths.typesIndex, path.join(paths.stateDir, "payload-schemas.json"));
    void payloadSchemas.prefetch().then((derived) => {
      this.initialSchemas = derived.schemas;
      if (this.uncheckedAtStart > 0) options.onUncheckedAtStart(this.uncheckedAtStart);
    });
    this.bundler = new DevBundler({ root: paths.root, entry: options.entry, typesIndex: paths.typesIndex, workerPackageJson: paths.workerPackageJson, outDir: options.outDir, payloadSchemas });
    this.typeChecks = new BackgroundTypeChecks(paths.root, options.typecheck, options.onTypesChecked, options.busy);
    this.payloadTypes = { file: paths.typesIndex, checked: [], warnings: [] };
  }

  /** Build the current code (the pool calls this at start and on each reload). */
  async build(): Promise<DevBuild> {
    const result = await this.bundler.build();
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

  /**
   * What intake checks against: the shapes of the code that runs, or before
   * the first build is done, the shapes that build takes (the same reading of
   * the types). Intake waits for nothing: not for bundling, a handler process,
   * or the types. Until they are first read (~1 ms from the cache, ~0.5 s when
   * the TypeScript checker must read them) a message is accepted unchecked, as
   * SQS accepts any body; the runtime checks its payload before the handler,
   * as in AWS, and how many came in so is said once the types are read.
   */
  intakeSchemas(): PayloadSchemas | undefined {
    const schemas = this.schemas ?? this.initialSchemas;
    if (schemas === undefined) this.uncheckedAtStart++;
    return schemas;
  }

  get types(): TypesState {
    return this.typeChecks.state;
  }

  close(): void {
    this.typeChecks.close();
  }
}
