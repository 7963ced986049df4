/** One attempt of an HTTP call on undici, with its timeouts and size limit, and the abortable wait. */
import type { Dispatcher } from "undici";
import { AcpAbortError, ResponseValidationError } from "./errors";
import type { AttemptResult } from "./request-spec";

/** Responses larger than this (10 MiB) are refused; reading stops as soon as it is passed. */
export const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

/** Timeouts from this long on are left to undici's own (coarse, about 1 s) timers. */
const COARSE_TIMEOUT_MIN_MS = 2000;
/** undici's codes for a response that did not come (headers) or stopped coming (body) in time. */
const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/** Where an attempt is sent: the pool, and the API's origin and path prefix. */
export interface PoolTarget {
  dispatcher: Dispatcher;
  origin: string;
  pathPrefix: string;
}

/** The first string `code` on an error, its AggregateError members, or its causes. */
function networkCodeOf(err: unknown, depth = 0): string | undefined {
  if (depth > 5 || typeof err !== "object" || err === null) return undefined;
  const e = err as { code?: unknown; errors?: unknown; cause?: unknown };
  if (typeof e.code === "string" && e.code !== "UND_ERR_ABORTED") return e.code;
  if (Array.isArray(e.errors)) {
    for (const member of e.errors) {
      const code = networkCodeOf(member, depth + 1);
      if (code) return code;
    }
  }
  return networkCodeOf(e.cause, depth + 1);
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function readCapped(
  body: Dispatcher.ResponseData["body"],
  limit: number,
  what: string,
): Promise<string> {
  // Stream events rather than `for await`: the async iterator costs more per response than the
  // rest of the client's own work.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    body.on("data", (chunk: Buffer) => {
      total += chunk.length;
      if (total > limit) {
        body.destroy();
        reject(
          new ResponseValidationError(`${what}: response body larger than ${limit} bytes; refused`),
        );
        return;
      }
      chunks.push(chunk);
    });
    body.on("end", () =>
      resolve((chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).toString("utf8")),
    );
    body.on("error", reject);
  });
}

/**
 * Sends one attempt of a call on `target`'s pool and reads the answer (at most
 * {@link MAX_RESPONSE_BYTES}); a network failure is returned, not thrown, for the retry decision.
 */
export async function sendAttempt(
  target: PoolTarget,
  method: string,
  apiPath: string,
  headers: Record<string, string>,
  payload: string | undefined,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<AttemptResult> {
  // The per-attempt timeout: the longest wait for the response headers, and between two
  // chunks of the body. undici enforces it without a timer or AbortController per request,
  // but its timers tick about once a second; a shorter timeout gets a precise timer of ours.
  const precise = timeoutMs < COARSE_TIMEOUT_MIN_MS;
  const controller = precise ? new AbortController() : undefined;
  let timedOut = false;
  const timer = controller
    ? setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs)
    : undefined;
  const onAbort = (): void => controller?.abort();
  if (controller) signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const res = await target.dispatcher.request({
      origin: target.origin,
      path: `${target.pathPrefix}${apiPath}`,
      method: method as Dispatcher.HttpMethod,
      headers,
      body: payload,
      signal: controller?.signal ?? signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const length = Number(res.headers["content-length"]);
    if (Number.isFinite(length) && length > MAX_RESPONSE_BYTES) {
      res.body.destroy();
      throw new ResponseValidationError(
        `ACP API ${method} ${apiPath}: response body of ${length} bytes is larger than ${MAX_RESPONSE_BYTES}; refused`,
      );
    }
    const text = await readCapped(res.body, MAX_RESPONSE_BYTES, `ACP API ${method} ${apiPath}`);
    return { kind: "response", status: res.statusCode, headers: res.headers, text };
  } catch (err) {
    if (err instanceof ResponseValidationError) throw err;
    if (signal?.aborted) throw abortError(method, apiPath, signal);
    const code = networkCodeOf(err) ?? "UNKNOWN";
    if (timedOut || TIMEOUT_CODES.has(code))
      return { kind: "network", code: "timeout", error: err };
    return { kind: "network", code, error: err };
  } finally {
    if (timer) clearTimeout(timer);
    if (controller) signal?.removeEventListener("abort", onAbort);
  }
}

/** The error of a call the caller aborted. */
export function abortError(
  method: string,
  apiPath: string,
  signal: AbortSignal | undefined,
): AcpAbortError {
  return new AcpAbortError(`ACP API ${method} ${apiPath} was aborted by the caller`, {
    cause: signal?.reason,
  });
}
