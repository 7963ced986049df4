/**
 * The typed ACP client: {@link AcpClient}, its options, errors, retry policy and every API
 * schema and type.
 */
export { AcpClient } from "./client";
export {
  type ClientOptions,
  CONFIG_KEYS,
  DEFAULTS,
  ENV,
  optionsFromConfig,
  parseSetting,
  resolveConfig,
  resolveOption,
  SETTINGS,
  type SettingName,
} from "./config";
export { type RequestOptions, MAX_RESPONSE_BYTES } from "./core";
export * from "./errors";
export { errorFromResponse, type ResponseHeaders } from "./error-factory";
export {
  backoffDelay,
  parseRetryAfter,
  shouldRetry,
  MAX_RETRY_AFTER_MS,
  type AttemptOutcome,
} from "./retry";
export { Tasks } from "./resources/tasks";
export { Threads } from "./resources/threads";
export { Runs, TERMINAL_RUN_STATUSES, type WaitForCompletionOptions } from "./resources/runs";
export { REDACTED, redactError, redactor, secretForms, type Redactor } from "./redact";
export { VERSION } from "./version";
export * from "./schemas";
