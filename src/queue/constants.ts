/**
 * Names and limits that the app's `enqueue()`, the CLI, `dev` and `deploy`
 * must agree on. Kept free of imports so the app-side library stays light.
 */

/** Set to the deployed queue's URL (deploy gives it to the function; `status` prints it for your app): messages go to SQS. */
export const QUEUE_URL_ENV = "LETSGO_WORKER_QUEUE_URL";

/** Where messages go when QUEUE_URL_ENV is not set: the local dev worker. */
export const LOCAL_QUEUE_URL_ENV = "LETSGO_LOCAL_QUEUE_URL";
export const DEFAULT_LOCAL_QUEUE_URL = "http://localhost:3002";

/** The largest message body, in bytes, as SQS and Lambda's SQS trigger take it (and the deployed queue's MaximumMessageSize). */
export const MAX_MESSAGE_SIZE_ENV = "LETSGO_WORKER_MAX_MESSAGE_SIZE";
/** 1 MiB: SQS and Lambda's SQS trigger take messages this large since January 2026 (256 KiB before). */
export const DEFAULT_MAX_MESSAGE_SIZE = 1_048_576;

/**
 * How long the dead-letter queue keeps a message: SQS's longest retention (14
 * days), since in a standard queue's DLQ the age counts from the original send.
 */
export const DLQ_RETENTION_SECONDS = 1_209_600;

/** SQS DelaySeconds: 0 to 15 minutes. */
export const MAX_DELAY_SECONDS = 900;

/** SendMessageBatch takes at most 10 entries, together no larger than one message may be. */
export const MAX_BATCH_ENTRIES = 10;

/** The header the app's @letsgo/queue names its project in, so a dev worker refuses another project's messages. */
export const PROJECT_HEADER = "x-letsgo-project";
