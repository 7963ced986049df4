import type { ErrorBody } from "./schemas";

/**
 * Brand set on every error of this hierarchy. `Symbol.for` is shared across copies of this
 * module: the serialized Pulumi provider may load a second copy, where `instanceof` fails.
 */
const BRAND: unique symbol = Symbol.for("pulumi-acp.AcpError") as never;

/** Stable machine-readable codes of every error the client throws. */
export type AcpErrorCode =
  | "authentication"
  | "permission_denied"
  | "not_found"
  | "conflict"
  | "insufficient_budget"
  | "validation"
  | "rate_limited"
  | "server_error"
  | "api_error"
  | "connection"
  | "timeout"
  | "aborted"
  | "response_validation"
  | "configuration";

/** Codes of errors that carry an HTTP response (or, for `validation`, a refused request). */
const API_CODES: readonly AcpErrorCode[] = [
  "authentication",
  "permission_denied",
  "not_found",
  "conflict",
  "insufficient_budget",
  "validation",
  "rate_limited",
  "server_error",
  "api_error",
];

/** Raw (non-JSON) error bodies are kept up to this many characters. */
export const MAX_RAW_ERROR_BODY = 2048;

function branded(e: unknown, codes?: readonly string[]): boolean {
  if (typeof e !== "object" || e === null) return false;
  const rec = e as { [BRAND]?: unknown; code?: unknown };
  if (rec[BRAND] !== true) return false;
  return codes === undefined || (typeof rec.code === "string" && codes.includes(rec.code));
}

/** Base of every error the ACP client throws. `code` is stable; match on it or on `isInstance`. */
export class AcpError extends Error {
  readonly code: AcpErrorCode;

  constructor(code: AcpErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    // Non-enumerable, like Error's own name: keeps JSON.stringify(error) to the data.
    Object.defineProperty(this, "name", {
      value: new.target.name,
      enumerable: false,
      configurable: true,
    });
  }

  /** True for any error of this hierarchy, from any copy of this module. */
  static isInstance(e: unknown): e is AcpError {
    return branded(e);
  }
}
Object.defineProperty(AcpError.prototype, BRAND, { value: true, enumerable: false });

/** Fields of an API error, as the factory fills them. */
export interface AcpApiErrorInit {
  status: number | undefined;
  body: ErrorBody | string | undefined;
  method: string;
  path: string;
  message: string;
}

/**
 * The API answered with an error status (or, for a ValidationError with `status` undefined,
 * the client refused to send a request with bad parameters). `body` is the parsed error body,
 * or the raw text truncated to 2 KB. `path` is the request path and query, never the full
 * URL, and no headers are kept.
 */
export class AcpApiError extends AcpError {
  /** HTTP status; undefined only for a ValidationError raised before sending. */
  readonly status: number | undefined;
  readonly body: ErrorBody | string | undefined;
  readonly method: string;
  readonly path: string;

  constructor(init: AcpApiErrorInit, code: AcpErrorCode = "api_error") {
    super(code, init.message);
    this.status = init.status;
    this.body = init.body;
    this.method = init.method;
    this.path = init.path;
  }

  static override isInstance(e: unknown): e is AcpApiError {
    return branded(e, API_CODES);
  }
}

/** 401: no token, or the token was refused. */
export class AuthenticationError extends AcpApiError {
  constructor(init: AcpApiErrorInit) {
    super(init, "authentication");
  }
  static override isInstance(e: unknown): e is AuthenticationError {
    return branded(e, ["authentication"]);
  }
}

/** 403: the token may not do this. */
export class PermissionDeniedError extends AcpApiError {
  constructor(init: AcpApiErrorInit) {
    super(init, "permission_denied");
  }
  static override isInstance(e: unknown): e is PermissionDeniedError {
    return branded(e, ["permission_denied"]);
  }
}

/** 404: no such object (on delete, usually means it is already gone). */
export class NotFoundError extends AcpApiError {
  constructor(init: AcpApiErrorInit) {
    super(init, "not_found");
  }
  static override isInstance(e: unknown): e is NotFoundError {
    return branded(e, ["not_found"]);
  }
}

/** Why a 409 happened: see CONFLICT_REASONS; `other` when neither the body nor the message tells. */
export type ConflictErrorReason =
  "blocked_by_dependencies" | "already_started" | "has_dependents" | "other";

/** 409: blocked by dependencies, already started, or (on delete) other tasks depend on it. */
export class ConflictError extends AcpApiError {
  readonly reason: ConflictErrorReason;
  /** On `already_started`: the task's existing thread, when the API says. */
  readonly threadId?: string;
  /** On `blocked_by_dependencies`: the dependencies not done yet, when the API says. */
  readonly blockingTaskIds?: string[];

  constructor(
    init: AcpApiErrorInit,
    extra: { reason: ConflictErrorReason; threadId?: string; blockingTaskIds?: string[] },
  ) {
    super(init, "conflict");
    this.reason = extra.reason;
    if (extra.threadId !== undefined) this.threadId = extra.threadId;
    if (extra.blockingTaskIds !== undefined) this.blockingTaskIds = extra.blockingTaskIds;
  }
  static override isInstance(e: unknown): e is ConflictError {
    return branded(e, ["conflict"]);
  }
}

/** 402: the account's budget is too low to run an agent. */
export class InsufficientBudgetError extends AcpApiError {
  readonly currentBudget?: number;
  constructor(init: AcpApiErrorInit, currentBudget?: number) {
    super(init, "insufficient_budget");
    if (currentBudget !== undefined) this.currentBudget = currentBudget;
  }
  static override isInstance(e: unknown): e is InsufficientBudgetError {
    return branded(e, ["insufficient_budget"]);
  }
}

/**
 * 400/422 from the API, or parameters the client refused before sending (`status` undefined).
 * `field` names the offending field when known (dotted path for nested fields).
 */
export class ValidationError extends AcpApiError {
  readonly field?: string;
  constructor(init: AcpApiErrorInit, field?: string) {
    super(init, "validation");
    if (field !== undefined) this.field = field;
  }
  static override isInstance(e: unknown): e is ValidationError {
    return branded(e, ["validation"]);
  }
}

/** 429: too many requests. `retryAfterMs` from the Retry-After header, when sent. */
export class RateLimitError extends AcpApiError {
  readonly retryAfterMs?: number;
  constructor(init: AcpApiErrorInit, retryAfterMs?: number) {
    super(init, "rate_limited");
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs;
  }
  static override isInstance(e: unknown): e is RateLimitError {
    return branded(e, ["rate_limited"]);
  }
}

/** 5xx: the API failed. */
export class ServerError extends AcpApiError {
  constructor(init: AcpApiErrorInit) {
    super(init, "server_error");
  }
  static override isInstance(e: unknown): e is ServerError {
    return branded(e, ["server_error"]);
  }
}

/** The request did not complete at the network level (refused, reset, closed). `cause` is the network error. */
export class AcpConnectionError extends AcpError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("connection", message, options);
  }
  static override isInstance(e: unknown): e is AcpConnectionError {
    return branded(e, ["connection"]);
  }
}

/** A request attempt, or a wait such as `runs.waitForCompletion`, ran past its deadline. */
export class AcpTimeoutError extends AcpError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("timeout", message, options);
  }
  static override isInstance(e: unknown): e is AcpTimeoutError {
    return branded(e, ["timeout"]);
  }
}

/** The caller's AbortSignal fired. `cause` is the signal's reason. */
export class AcpAbortError extends AcpError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("aborted", message, options);
  }
  static override isInstance(e: unknown): e is AcpAbortError {
    return branded(e, ["aborted"]);
  }
}

/**
 * A successful response did not match the schema (the message names the field path and what
 * was expected), was not JSON, or was larger than the client accepts.
 */
export class ResponseValidationError extends AcpError {
  constructor(message: string) {
    super("response_validation", message);
  }
  static override isInstance(e: unknown): e is ResponseValidationError {
    return branded(e, ["response_validation"]);
  }
}

/** A missing or invalid client setting (base URL, token, numeric options). */
export class ConfigurationError extends AcpError {
  constructor(message: string) {
    super("configuration", message);
  }
  static override isInstance(e: unknown): e is ConfigurationError {
    return branded(e, ["configuration"]);
  }
}
