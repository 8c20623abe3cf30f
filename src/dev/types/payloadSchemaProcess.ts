/**
 * The process `dev` derives payload shapes in (./payloadSchemaSource.ts): the
 * TypeScript checker loads here, and its ~50 MB leave with the process, so the
 * long-running dev worker never carries them.
 *
 * Usage (by the parent only): node payloadSchemaProcess.js <packages/types/index.ts>
 * It sends one message: the DerivedPayloadSchemas, or { error }.
 */
import { derivePayloadSchemas } from "../../project/payloadSchemas.js";

try {
  process.send!(derivePayloadSchemas(process.argv[2]!), () => process.exit(0));
} catch (error) {
  process.send!({ error: (error as Error).stack ?? String(error) }, () => process.exit(1));
}
