import { z } from "zod";
import type { ConflictReason, ErrorBody } from "../provider/client/schemas";

/** The error body the emulator answers with: the API's `{ error, message, ... }`. */
export type ApiErrorBody = ErrorBody & { error: string; message: string };

/**
 * An error answer: an HTTP status, the API's error body and extra headers. Route handlers
 * throw it; the request pipeline turns it into the response. Build it with {@link apiError}
 * or one of the helpers in {@link errors}, never by hand, so every error has the same shape.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message);
    this.name = "ApiError";
  }
}

/** The one error factory: status, machine-readable `error` code, message, extra body fields. */
export function apiError(
  status: number,
  error: string,
  message: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): ApiError {
  return new ApiError(status, { error, message, ...extra }, headers);
}

/** The errors the emulator answers with, one helper per case of the API contract. */
export const errors = {
  /** 400: malformed JSON or a malformed request. */
  badRequest: (message: string, extra?: Record<string, unknown>) =>
    apiError(400, "bad_request", message, extra),
  /** 401: no bearer token, or the wrong one. */
  unauthorized: () =>
    apiError(401, "unauthorized", "missing or invalid bearer token in the Authorization header"),
  /** 402 [spec]: the account's budget is below the cost of the run. */
  insufficientBudget: (currentBudget: number, required: number) =>
    apiError(
      402,
      "insufficient_budget",
      `insufficient budget: this run costs ${required} USD, the account has ${currentBudget} USD`,
      { currentBudget },
    ),
  /** 404: unknown route or unknown id. */
  notFound: (message: string) => apiError(404, "not_found", message),
  /** 410: the resource existed and was deleted. */
  gone: (message: string) => apiError(410, "gone", message),
  /** 409 with a `reason` from CONFLICT_REASONS. */
  conflict: (reason: ConflictReason, message: string, extra?: Record<string, unknown>) =>
    apiError(409, "conflict", message, { reason, ...extra }),
  /** 413: the body is over the emulator's limit. */
  payloadTooLarge: (limitBytes: number) =>
    apiError(413, "payload_too_large", `request body is larger than ${limitBytes} bytes`),
  /** 415: a body that is not JSON. */
  unsupportedMediaType: (contentType: string) =>
    apiError(
      415,
      "unsupported_media_type",
      `content type "${contentType}" is not supported: send application/json`,
    ),
  /** 422: a field failed validation; `field` names it. */
  validation: (field: string, message: string) =>
    apiError(422, "validation_error", `${field}: ${message}`, { field }),
  /** 429 with Retry-After (seconds). */
  rateLimited: (retryAfterSeconds: number) =>
    apiError(
      429,
      "rate_limited",
      `too many requests: retry after ${retryAfterSeconds} s`,
      {},
      { "retry-after": String(retryAfterSeconds) },
    ),
  /** An injected server error (5xx, or any status a fault names). */
  injected: (status: number) =>
    apiError(
      status,
      status === 503 ? "service_unavailable" : "server_error",
      `injected fault: the emulator answered ${status}`,
    ),
  /** 500: a bug in the emulator; the server goes on. */
  internal: (message: string) => apiError(500, "internal_error", message),
};

/** Field name of a zod issue: its path, or the unknown key it reports, or "body". */
function issueField(issue: z.core.$ZodIssue): string {
  if (issue.path.length > 0) return issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys" && issue.keys.length > 0) return issue.keys[0];
  return "body";
}

/** A 422 naming the first field a zod schema refused, and what is wrong with it. */
export function fromZodError(error: z.ZodError): ApiError {
  const issue = error.issues[0];
  if (!issue) return errors.validation("body", "invalid request");
  return errors.validation(issueField(issue), issue.message);
}

/** Any thrown value as an ApiError: zod errors become 422, anything else a 500. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof z.ZodError) return fromZodError(error);
  const message = error instanceof Error ? error.message : String(error);
  return errors.internal(`internal emulator error: ${message}`);
}

/** Parses `value` with `schema`, throwing the API's 422 on failure. */
export function parseBody<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw fromZodError(result.error);
  return result.data;
}
