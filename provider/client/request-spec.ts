/** What the resource classes ask of the client core, and what one attempt of a call gives back. */
import type { z } from "zod";
import type { ResponseHeaders } from "./error-factory";
import type { AcpError } from "./errors";
import type { RouteName } from "./schemas";

/** Options of a single call. */
export interface RequestOptions {
  /**
   * Idempotency-Key of a POST that starts something (task create, start-thread, run-thread,
   * thread create, run create). Default: a random UUID, the same on every retry of the call.
   * Pass a stable key to make a repeated call (e.g. after a crash) return the first result.
   */
  idempotencyKey?: string;
  /** Aborts the call (including retries and backoff waits) with an AcpAbortError. */
  signal?: AbortSignal;
  /** Per-attempt timeout in ms for this call (headers, and each body chunk); overrides the client's `timeoutMs`. */
  timeoutMs?: number;
  /** Retries after the first attempt for this call; overrides the client's `maxRetries`. */
  maxRetries?: number;
  /**
   * Called when the API answers a POST with the stored response of an earlier request with the
   * same Idempotency-Key (header `Idempotent-Replayed: true`) instead of acting again.
   */
  onIdempotentReplay?: () => void;
  /**
   * Called before retrying an attempt that the API may have acted on although its answer was
   * lost (a 5xx, a per-attempt timeout, a connection reset after sending): a caller that can find
   * its own work on the server looks for it here, and throws to stop the retry (the call then
   * fails with what it threw). Not called for answers that prove nothing was done (429, a
   * connection never made).
   */
  onAmbiguousRetry?: (failure: AcpError) => Promise<void>;
}

/** What a resource method asks of the core. */
export interface RequestSpec<T> {
  route: RouteName;
  /** Path parameters; each must be a non-empty id and is percent-encoded. */
  pathParams?: Record<string, string>;
  /** Query parameters, already validated; undefined values are left out. */
  query?: Record<string, string | number | boolean | undefined>;
  /** JSON body, validated with the strict schema before anything is sent. */
  body?: { schema: z.ZodType; value: unknown };
  /** Tolerant schema of the 2xx body; omit when the body is ignored (delete). */
  response?: z.ZodType<T>;
  /** Send an Idempotency-Key (opts.idempotencyKey or a random UUID). */
  idempotent?: boolean;
  opts?: RequestOptions;
}

/** What {@link AcpCore.rawRequest} sends: the body is not validated and the answer not parsed. */
export interface RawRequestSpec {
  route: RouteName;
  /** Path parameters; each must be a non-empty id and is percent-encoded. */
  pathParams?: Record<string, string>;
  /** Query parameters; undefined values are left out. */
  query?: Record<string, string | number | boolean | undefined>;
  /** JSON body, sent as it is. */
  body?: unknown;
  /** Extra headers, sent after (and over) the standard ones. */
  headers?: Record<string, string>;
  /** A token sent instead of the client's, e.g. a made-up one to see the API refuse it. */
  token?: string;
  /** Added to the user-agent, after the version, to say which tool is calling. */
  agent?: string;
  /** Aborts the call with an AcpAbortError. */
  signal?: AbortSignal;
}

/** One attempt's outcome: the API's answer as it came, or the network failure. */
export type AttemptResult =
  | { kind: "response"; status: number; headers: ResponseHeaders; text: string }
  | { kind: "network"; code: string; error: unknown };

/** The outcome of {@link AcpCore.rawRequest}, with the path (and query) that was called. */
export type RawResult = AttemptResult & { method: string; path: string };
