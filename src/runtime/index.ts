/**
 * letsgo-worker/runtime: the API a worker's code calls inside its Lambda
 * (handlers, Stripe, access tokens, Slack, logging, errors). Depends on jose and
 * Node built-ins only. The generated entry's hooks are letsgo-worker/runtime/host;
 * the CLI's key generation and payload-shape checks are imported from their
 * own modules.
 */
export type {
  LambdaContext,
  Message,
  MessageHandler,
  ScheduledEvent,
  ScheduledEventHandler,
  SqsBatchResponse,
  SqsEvent,
  SqsMessageAttribute,
  SqsRecord,
  SqsRecordAttributes,
  WorkerEvent,
  WorkerHandler,
} from "./types.js";
export {
  isReservedMessageType,
  isScheduledEvent,
  RESERVED_MESSAGE_TYPE_PREFIX,
  ReservedMessageType,
} from "./messageTypes.js";
export {
  createWorkerHandler,
  isSqsEvent,
  type MessageHandlers,
  type WorkerHandlerOptions,
} from "./workerHandler.js";
export {
  createStripeDispatcher,
  type StripeEvent,
  type StripeEventHandler,
  type StripeEventHandlers,
  type StripeMessage,
} from "./stripeDispatcher.js";
export {
  signStripePayload,
  STRIPE_DEFAULT_TOLERANCE_SECONDS,
  verifyStripeWebhook,
  type VerifyStripeWebhookOptions,
} from "./stripeWebhook.js";
export {
  ACCESS_TOKEN_LIFETIME_SECONDS,
  ACCESS_TOKEN_RENEW_BEFORE_SECONDS,
  ACCESS_TOKEN_SUBJECT,
  createAccessTokenProvider,
  DEFAULT_API_AUDIENCE,
  getAccessToken,
  type AccessTokenProvider,
  type AccessTokenProviderOptions,
} from "./accessToken.js";
export {
  escapeSlackText,
  notifySlack,
  SLACK_DEFAULT_ATTEMPTS,
  SLACK_DEFAULT_MAX_RETRY_AFTER_MS,
  SLACK_DEFAULT_TIMEOUT_MS,
  SLACK_WEBHOOK_URL_ENV,
  type NotifySlackOptions,
  type SlackMessage,
  type SlackNotifyResult,
} from "./slack.js";
export { formatMoney, stripeNotification } from "./stripeNotification.js";
export { contactNotification, type ContactPayload } from "./contactNotification.js";
export { createLogger, type LogFields, type Logger, type LoggerOptions, type LogLevel } from "./log.js";
export {
  InvalidMessageError,
  ScheduledRunError,
  StripeWebhookError,
  UnsupportedEventError,
  WorkerKeyError,
  WorkerRuntimeError,
  type InvalidMessageReason,
  type StripeWebhookFailure,
} from "./errors.js";
