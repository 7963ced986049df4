import { randomUUID } from "node:crypto";
import { Agent, type Dispatcher } from "undici";
import type { z } from "zod";
import { type ClientOptions, ENV, resolveConfig, type ResolvedConfig } from "./config";
import {
  AcpAbortError,
  AcpConnectionError,
  AcpError,
  AcpTimeoutError,
  ConfigurationError,
  errorFromResponse,
  ResponseValidationError,
  ValidationError,
  type ResponseHeaders,
} from "./errors";
import { describeIssue, describeIssues } from "./issues";
import { redactError } from "./redact";
import { backoffDelay, NOT_SENT_CODES, parseRetryAfter, shouldRetry } from "./retry";
import {
  IDEMPOTENCY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
  RETRY_AFTER_HEADER,
  ROUTES,
  type RouteName,
  routePath,
} from "./schemas";
import { VERSION } from "./version";

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

/** Responses larger than this (10 MiB) are refused; reading stops as soon as it is passed. */
export const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

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

const TOKEN_CHARS = /^[\x21-\x7e]+$/;
/** Timeouts from this long on are left to undici's own (coarse, about 1 s) timers. */
const COARSE_TIMEOUT_MIN_MS = 2000;
/** undici's codes for a response that did not come (headers) or stopped coming (body) in time. */
const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);
const IDEMPOTENCY_KEY_CHARS = /^[\x21-\x7e]{1,255}$/;

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
 * The HTTP core shared by the resource classes: configuration, the connection pool, the
 * request loop with retries, and parsing. Resource classes call {@link AcpCore.request}.
 */
export class AcpCore {
  /** The API's base URL, normalized: no trailing slash. */
  readonly baseUrl: string;
  protected readonly config: ResolvedConfig;
  protected readonly dispatcher: Dispatcher;
  protected readonly ownsDispatcher: boolean;
  protected readonly logger: ((line: string) => void) | undefined;
  protected readonly origin: string;
  protected readonly pathPrefix: string;
  // Declared for TypeScript; defined non-enumerable in the constructor so that the token
  // never shows up in JSON.stringify(client), util.inspect(client) or a spread.
  declare private readonly token: string | undefined;

  constructor(options: ClientOptions = {}) {
    const config = resolveConfig(options);
    Object.defineProperty(this, "token", {
      value: config.token,
      enumerable: false,
      writable: false,
    });
    this.config = { ...config, token: undefined };
    this.baseUrl = config.baseUrl;
    const url = new URL(config.baseUrl);
    this.origin = url.origin;
    this.pathPrefix = url.pathname === "/" ? "" : url.pathname;
    this.logger = options.logger;
    if (options.dispatcher) {
      this.dispatcher = options.dispatcher;
      this.ownsDispatcher = false;
    } else {
      // Our own pool: keep-alive connections reused across calls. Authorization is set per
      // request, never as a default header of the dispatcher.
      this.dispatcher = new Agent({ connections: config.connections, keepAliveTimeout: 10_000 });
      this.ownsDispatcher = true;
    }
  }

  /** A plain summary for logs and JSON.stringify: the base URL only (never the token). */
  toJSON(): { baseUrl: string } {
    return { baseUrl: this.baseUrl };
  }

  /** Closes the connection pool the client created (not a dispatcher passed in options). */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  /**
   * Validates, sends (with retries) and parses one API call. Exposed for the resource classes;
   * not part of the public API. Every error it raises has passed through {@link redactError}.
   * @internal
   */
  async request<T>(spec: RequestSpec<T>): Promise<T> {
    try {
      return await this.send(spec);
    } catch (err) {
      throw this.redacted(err);
    }
  }

  /**
   * Sends one attempt of a call and gives back the API's answer as it came (any status, headers
   * and body), without validation, parsing or retries: for a tool that judges the API itself.
   * Every error it raises has passed through {@link redactError}.
   * @internal
   */
  async rawRequest(spec: RawRequestSpec): Promise<RawResult> {
    try {
      const method = ROUTES[spec.route].method;
      const path = this.buildPath(spec, method);
      const payload = spec.body === undefined ? undefined : JSON.stringify(spec.body);
      const headers = {
        ...this.headers(spec.token ?? this.checkedToken(), payload, spec.agent),
        ...spec.headers,
      };
      if (payload !== undefined) headers["content-type"] = "application/json";
      const result = await this.attempt(
        method,
        path,
        headers,
        payload,
        this.config.timeoutMs,
        spec.signal,
      );
      return { ...result, method, path };
    } catch (err) {
      throw this.redacted(err);
    }
  }

  /** The client's secrets taken out of `err`: the one way an error leaves this class. */
  private redacted(err: unknown): unknown {
    return redactError(err, [this.token]);
  }

  private async send<T>(spec: RequestSpec<T>): Promise<T> {
    const route = ROUTES[spec.route];
    const method = route.method;
    const opts = spec.opts ?? {};

    // Everything is checked before anything is sent.
    const apiPath = this.buildPath(spec, method);
    const payload =
      spec.body === undefined
        ? undefined
        : JSON.stringify(
            this.validate(spec.body.schema, spec.body.value ?? {}, spec.route, apiPath),
          );
    let idempotencyKey: string | undefined;
    if (spec.idempotent) {
      idempotencyKey = opts.idempotencyKey ?? randomUUID();
      if (!IDEMPOTENCY_KEY_CHARS.test(idempotencyKey)) {
        throw new ValidationError(
          {
            status: undefined,
            body: undefined,
            method,
            path: apiPath,
            message: `invalid idempotencyKey for ${method} ${apiPath}: must be 1-255 printable ASCII characters without spaces`,
          },
          "idempotencyKey",
        );
      }
    }
    const timeoutMs = opts.timeoutMs ?? this.config.timeoutMs;
    const maxRetries = opts.maxRetries ?? this.config.maxRetries;
    const token = this.checkedToken();
    if (opts.signal?.aborted) throw this.abortError(method, apiPath, opts.signal);

    const headers = this.headers(token, payload);
    if (idempotencyKey !== undefined) headers[IDEMPOTENCY_HEADER.toLowerCase()] = idempotencyKey;

    for (let attempt = 1; ; attempt++) {
      const started = Date.now();
      const result = await this.attempt(method, apiPath, headers, payload, timeoutMs, opts.signal);
      const ms = Date.now() - started;
      const attemptLabel = `attempt ${attempt}/${maxRetries + 1}`;

      let failure: AcpError;
      let retryAfterMs: number | undefined;
      let retry: boolean;
      if (result.kind === "response") {
        this.log(`ACP ${method} ${apiPath} ${result.status} ${ms}ms ${attemptLabel}`);
        if (result.status >= 200 && result.status < 300) {
          if (result.headers[IDEMPOTENT_REPLAYED_HEADER.toLowerCase()] === "true") {
            opts.onIdempotentReplay?.();
          }
          return this.parseResponse(spec.response, result.text, method, apiPath);
        }
        // A server that echoes the credentials it got: `request` redacts the error.
        failure = errorFromResponse(result.status, result.text, result.headers, method, apiPath);
        const ra = result.headers[RETRY_AFTER_HEADER.toLowerCase()];
        retryAfterMs = parseRetryAfter(Array.isArray(ra) ? ra[0] : ra);
        retry = shouldRetry({
          method,
          hasIdempotencyKey: idempotencyKey !== undefined,
          status: result.status,
          attempt,
          maxRetries,
        });
      } else {
        this.log(`ACP ${method} ${apiPath} ${result.code} ${ms}ms ${attemptLabel}`);
        failure =
          result.code === "timeout"
            ? new AcpTimeoutError(
                `ACP API ${method} ${apiPath} timed out after ${timeoutMs} ms (${attemptLabel})`,
              )
            : new AcpConnectionError(
                `could not reach the ACP API at ${this.origin} for ${method} ${apiPath}: ${result.code} (${attemptLabel})`,
                { cause: result.error },
              );
        retry = shouldRetry({
          method,
          hasIdempotencyKey: idempotencyKey !== undefined,
          networkCode: result.code,
          attempt,
          maxRetries,
        });
      }
      if (!retry) throw failure;
      const mayHaveActed =
        result.kind === "response" ? result.status >= 500 : !NOT_SENT_CODES.has(result.code);
      const delay = backoffDelay(
        attempt,
        this.config.retryBaseDelayMs,
        this.config.retryMaxDelayMs,
        retryAfterMs,
      );
      try {
        await sleep(delay, opts.signal);
      } catch {
        throw this.abortError(method, apiPath, opts.signal);
      }
      if (mayHaveActed && opts.onAmbiguousRetry) await opts.onAmbiguousRetry(failure);
    }
  }

  /**
   * Parses `value` with a strict params schema; a ValidationError naming the first bad field
   * (and listing the others) when it does not match. Nothing is sent.
   * @internal
   */
  validate<S extends z.ZodType>(
    schema: S,
    value: unknown,
    route: RouteName,
    apiPath?: string,
  ): z.output<S> {
    const parsed = schema.safeParse(value, { reportInput: true });
    if (parsed.success) return parsed.data;
    const method = ROUTES[route].method;
    const path = apiPath ?? ROUTES[route].path;
    const first = describeIssue(parsed.error.issues[0]!);
    throw this.redacted(
      new ValidationError(
        {
          status: undefined,
          body: undefined,
          method,
          path,
          message: `invalid parameters for ${method} ${path}: ${describeIssues(parsed.error.issues)}`,
        },
        first.field,
      ),
    );
  }

  /** The client's token, refused when missing or not sendable in a header. */
  private checkedToken(): string {
    const token = this.token;
    if (token === undefined) {
      throw new ConfigurationError(
        `no ACP API token: set the acp:token config (as a secret), the token option, or the ${ENV.token} environment variable`,
      );
    }
    if (!TOKEN_CHARS.test(token)) {
      throw new ConfigurationError(
        `the ACP API token (acp:token / ${ENV.token}) contains spaces or non-printable characters`,
      );
    }
    return token;
  }

  /** The headers every call sends. Authorization is set per request, never on the dispatcher. */
  private headers(
    token: string,
    payload: string | undefined,
    agent?: string,
  ): Record<string, string> {
    const headers: Record<string, string> = {
      accept: "application/json",
      "user-agent":
        agent === undefined ? `pulumi-acp/${VERSION}` : `pulumi-acp/${VERSION} ${agent}`,
      authorization: `Bearer ${token}`,
    };
    if (payload !== undefined) headers["content-type"] = "application/json";
    return headers;
  }

  private buildPath(
    spec: Pick<RequestSpec<unknown>, "route" | "pathParams" | "query">,
    method: string,
  ): string {
    const params = spec.pathParams ?? {};
    for (const [key, value] of Object.entries(params)) {
      if (typeof value !== "string" || value.trim() === "") {
        throw new ValidationError(
          {
            status: undefined,
            body: undefined,
            method,
            path: ROUTES[spec.route].path,
            message: `invalid parameters for ${method} ${ROUTES[spec.route].path}: ${key}: must be a non-empty id, got ${JSON.stringify(value) ?? String(value)}`,
          },
          key,
        );
      }
    }
    let path = routePath(spec.route, params);
    if (spec.query) {
      const qs = new URLSearchParams();
      for (const [key, value] of Object.entries(spec.query)) {
        if (value !== undefined) qs.set(key, String(value));
      }
      const text = qs.toString();
      if (text) path += `?${text}`;
    }
    return path;
  }

  private async attempt(
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
      const res = await this.dispatcher.request({
        origin: this.origin,
        path: `${this.pathPrefix}${apiPath}`,
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
      if (signal?.aborted) throw this.abortError(method, apiPath, signal);
      const code = networkCodeOf(err) ?? "UNKNOWN";
      if (timedOut || TIMEOUT_CODES.has(code))
        return { kind: "network", code: "timeout", error: err };
      return { kind: "network", code, error: err };
    } finally {
      if (timer) clearTimeout(timer);
      if (controller) signal?.removeEventListener("abort", onAbort);
    }
  }

  private parseResponse<T>(
    schema: z.ZodType<T> | undefined,
    text: string,
    method: string,
    apiPath: string,
  ): T {
    if (schema === undefined) return undefined as T;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      const preview = text.length > 80 ? `${text.slice(0, 80)}…` : text;
      throw new ResponseValidationError(
        `ACP API ${method} ${apiPath}: expected a JSON body, got ${text === "" ? "an empty body" : JSON.stringify(preview)}`,
      );
    }
    const parsed = schema.safeParse(json, { reportInput: true });
    if (!parsed.success) {
      throw new ResponseValidationError(
        `ACP API ${method} ${apiPath}: unexpected response: ${describeIssues(parsed.error.issues)}`,
      );
    }
    return parsed.data;
  }

  private abortError(
    method: string,
    apiPath: string,
    signal: AbortSignal | undefined,
  ): AcpAbortError {
    return new AcpAbortError(`ACP API ${method} ${apiPath} was aborted by the caller`, {
      cause: signal?.reason,
    });
  }

  private log(line: string): void {
    if (!this.logger) return;
    try {
      this.logger(line);
    } catch {
      // A failing log sink must not fail the request.
    }
  }
}
