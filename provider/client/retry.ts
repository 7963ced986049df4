/**
 * The retry policy: one decision function and the backoff math. Pure (no I/O, no state), so
 * both are unit-tested directly.
 */

/** A Retry-After longer than this is capped: a server asking for minutes is not waited on in full. */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Network error codes meaning the request provably never reached the server: the connection
 * was never established. Only these make an un-keyed POST safe to retry.
 */
export const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "UND_ERR_CONNECT_TIMEOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * Network error codes of a connection that failed during or after sending (reset, closed,
 * broken pipe). Safe to retry only for idempotent requests.
 */
export const TRANSIENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "ENETDOWN",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/** What happened on one attempt, as far as the retry decision needs to know. */
export interface AttemptOutcome {
  /** HTTP method of the request. */
  method: string;
  /** Whether the request carried an Idempotency-Key header. */
  hasIdempotencyKey: boolean;
  /** HTTP status, when a response arrived. */
  status?: number;
  /** When no response arrived: the network error code, or "timeout" for a per-attempt timeout. */
  networkCode?: string;
  /** Attempts made so far, counting this one (1 = the first attempt just failed). */
  attempt: number;
  /** Retries allowed after the first attempt. */
  maxRetries: number;
}

/**
 * Whether to retry after a failed attempt. Like stripe-node `_shouldRetry`: every branch says why.
 */
export function shouldRetry(o: AttemptOutcome): boolean {
  // The budget of retries is spent.
  if (o.attempt > o.maxRetries) return false;

  // GET, PATCH (our PATCH bodies are absolute values, so repeating one is harmless) and DELETE
  // are idempotent. A POST is, only when it carries an Idempotency-Key: the server answers a
  // repeated key with the first response instead of starting a second agent run.
  const idempotent = o.method !== "POST" || o.hasIdempotencyKey;

  if (o.status === undefined) {
    // The connection was never established: nothing reached the server, so even an un-keyed
    // POST is safe to send again.
    if (o.networkCode !== undefined && NOT_SENT_CODES.has(o.networkCode)) return true;
    // Reset/closed sockets and per-attempt timeouts: the server may have acted on the request
    // and only the answer was lost. Retry only what is safe to repeat.
    if (
      o.networkCode === "timeout" ||
      (o.networkCode !== undefined && TRANSIENT_NETWORK_CODES.has(o.networkCode))
    ) {
      return idempotent;
    }
    // An unknown failure (a bug, a TLS error): retrying would hide it.
    return false;
  }

  // 429: the server asks us to slow down; it did not act on the request.
  if (o.status === 429) return idempotent;

  // 501 Not Implemented will not change on a retry.
  if (o.status === 501) return false;

  // Other 5xx: transient server trouble (502/503/504 from a proxy, 500 mid-deploy). The server
  // may have acted before failing, so only what is safe to repeat is retried.
  if (o.status >= 500) return idempotent;

  // Every other 4xx (400/422 validation, 401, 402 budget, 403, 404, 409 conflict) and 3xx is an
  // answer, not a hiccup: the same request would get the same answer.
  return false;
}

/**
 * Parses a Retry-After header (delay in seconds, or an HTTP date) to milliseconds, capped at
 * {@link MAX_RETRY_AFTER_MS}. Undefined when absent or unparseable; never negative.
 */
export function parseRetryAfter(
  value: string | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === "") return undefined;
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(text)) {
    ms = Number(text) * 1000;
  } else {
    // An HTTP date always names a day or month; this keeps Date.parse from reading "-3" as a year.
    if (!/[a-z]/i.test(text)) return undefined;
    const date = Date.parse(text);
    if (Number.isNaN(date)) return undefined;
    ms = date - now;
  }
  return Math.min(Math.max(0, Math.round(ms)), MAX_RETRY_AFTER_MS);
}

/**
 * Delay before retry number `attempt` (1 = first retry). A server's Retry-After (already in ms)
 * wins, capped at {@link MAX_RETRY_AFTER_MS}; otherwise exponential backoff with full jitter:
 * a uniform random delay in [0, min(cap, base * 2^(attempt-1))).
 */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  capMs: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) {
    return Math.min(retryAfterMs, MAX_RETRY_AFTER_MS);
  }
  const exp = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * exp);
}
