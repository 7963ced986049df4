/** The one factory from an HTTP error response to a class of the error hierarchy (./errors). */
import {
  AcpApiError,
  type AcpApiErrorInit,
  AuthenticationError,
  ConflictError,
  type ConflictErrorReason,
  InsufficientBudgetError,
  MAX_RAW_ERROR_BODY,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
  ValidationError,
} from "./errors";
import { parseRetryAfter } from "./retry";
import { CONFLICT_REASONS, ErrorBody, RETRY_AFTER_HEADER } from "./schemas";

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…[truncated]`;
}

/** Response headers as undici gives them. */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

function header(headers: ResponseHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Infers a 409's reason from its message when the body has no `reason`. */
function inferConflictReason(text: string): ConflictErrorReason {
  const t = text.toLowerCase();
  if (/already (been )?started|already has a thread|existing thread|already running/.test(t)) {
    return CONFLICT_REASONS.alreadyStarted;
  }
  if (/dependents|depend(s|ed)? on (it|this)|other tasks depend|still depended/.test(t)) {
    return CONFLICT_REASONS.hasDependents;
  }
  if (/blocked|dependenc(y|ies)|incomplete|not (yet )?done/.test(t)) {
    return CONFLICT_REASONS.blockedByDependencies;
  }
  return "other";
}

function conflictReason(body: ErrorBody | undefined, text: string): ConflictErrorReason {
  const known = Object.values(CONFLICT_REASONS) as string[];
  if (body?.reason && known.includes(body.reason)) return body.reason as ConflictErrorReason;
  return inferConflictReason(text);
}

/**
 * The one factory from an HTTP error response to an error class.
 *
 * `rawBody` is the response text; a JSON object is parsed with the tolerant ErrorBody schema,
 * anything else is kept as text truncated to 2 KB. `path` must be the request path (and query),
 * never a full URL.
 */
export function errorFromResponse(
  status: number,
  rawBody: string | undefined,
  headers: ResponseHeaders,
  method: string,
  path: string,
): AcpApiError {
  let body: ErrorBody | undefined;
  if (rawBody !== undefined && rawBody.trim() !== "") {
    try {
      const parsed = ErrorBody.safeParse(JSON.parse(rawBody));
      if (parsed.success) body = parsed.data;
    } catch {
      // Not JSON: kept as text below.
    }
  }
  const keptBody: ErrorBody | string | undefined =
    body ?? (rawBody && rawBody.trim() !== "" ? truncate(rawBody, MAX_RAW_ERROR_BODY) : undefined);

  const retryAfterMs = parseRetryAfter(header(headers, RETRY_AFTER_HEADER));
  let detail =
    body?.message ??
    body?.error ??
    (typeof keptBody === "string" ? truncate(keptBody, 200) : undefined);

  if (status >= 300 && status < 400) {
    const location = header(headers, "location");
    let target = "another location";
    if (location !== undefined) {
      try {
        // Origin only: a Location's path or query may carry anything.
        target = new URL(location, "http://relative.invalid").origin;
        if (target === "http://relative.invalid") target = "another path on the same host";
      } catch {
        // Unparseable Location: keep the generic wording.
      }
    }
    detail = `the API redirected to ${target}; redirects are not followed, the base URL (acp:baseUrl / ACP_BASE_URL) is probably wrong`;
  }

  let message = `ACP API ${status} on ${method} ${path}`;
  if (detail) message += `: ${detail}`;
  if (
    status === 409 &&
    body?.blockingTaskIds?.length &&
    !body.blockingTaskIds.every((id) => message.includes(id))
  ) {
    message += ` (blocking: ${body.blockingTaskIds.join(", ")})`;
  }
  if (status === 402 && typeof body?.currentBudget === "number" && !message.includes("budget")) {
    message += ` (current budget: ${body.currentBudget})`;
  }
  const init: AcpApiErrorInit = { status, body: keptBody, method, path, message };

  switch (true) {
    case status === 400 || status === 422:
      return new ValidationError(init, body?.field ?? undefined);
    case status === 401:
      return new AuthenticationError(init);
    case status === 402:
      return new InsufficientBudgetError(init, body?.currentBudget ?? undefined);
    case status === 403:
      return new PermissionDeniedError(init);
    case status === 404:
      return new NotFoundError(init);
    case status === 409:
      return new ConflictError(init, {
        reason: conflictReason(body, detail ?? ""),
        threadId: body?.threadId ?? undefined,
        blockingTaskIds: body?.blockingTaskIds ?? undefined,
      });
    case status === 429:
      return new RateLimitError(init, retryAfterMs);
    case status >= 500:
      return new ServerError(init);
    default:
      return new AcpApiError(init, "api_error");
  }
}
