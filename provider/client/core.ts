import { randomUUID } from "node:crypto";
import { Agent, type Dispatcher } from "undici";
import type { z } from "zod";
import { type ClientOptions, resolveConfig, type ResolvedConfig } from "./config";
import { AcpConnectionError, AcpError, AcpTimeoutError, ValidationError } from "./errors";
import { errorFromResponse } from "./error-factory";
import { describeIssue, describeIssues } from "./issues";
import { redactError } from "./redact";
import { backoffDelay, NOT_SENT_CODES, parseRetryAfter, shouldRetry } from "./retry";
import {
  IDEMPOTENCY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
  RETRY_AFTER_HEADER,
  ROUTES,
  type RouteName,
} from "./schemas";
import type { AttemptResult, RawRequestSpec, RawResult, RequestSpec } from "./request-spec";
import { buildPath, callHeaders, checkedToken } from "./request-build";
import { parseResponse } from "./response";
import { abortError, type PoolTarget, sendAttempt, sleep } from "./transport";

export type {
  RequestOptions,
  RequestSpec,
  RawRequestSpec,
  AttemptResult,
  RawResult,
} from "./request-spec";
export { MAX_RESPONSE_BYTES, sleep } from "./transport";

const IDEMPOTENCY_KEY_CHARS = /^[\x21-\x7e]{1,255}$/;

/** A call checked and ready to send, the same on every attempt. */
interface PreparedCall {
  method: string;
  apiPath: string;
  headers: Record<string, string>;
  payload: string | undefined;
  timeoutMs: number;
  maxRetries: number;
  idempotencyKey: string | undefined;
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
  private readonly pool: PoolTarget;
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
    this.pool = { dispatcher: this.dispatcher, origin: this.origin, pathPrefix: this.pathPrefix };
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
      const path = buildPath(spec, method);
      const payload = spec.body === undefined ? undefined : JSON.stringify(spec.body);
      const headers = {
        ...callHeaders(spec.token ?? checkedToken(this.token), payload, spec.agent),
        ...spec.headers,
      };
      if (payload !== undefined) headers["content-type"] = "application/json";
      const result = await sendAttempt(
        this.pool,
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
    const opts = spec.opts ?? {};
    const call = this.prepare(spec);
    const { method, apiPath, headers, payload, timeoutMs, maxRetries } = call;
    for (let attempt = 1; ; attempt++) {
      const started = Date.now();
      const result = await sendAttempt(
        this.pool,
        method,
        apiPath,
        headers,
        payload,
        timeoutMs,
        opts.signal,
      );
      const ms = Date.now() - started;
      const attemptLabel = `attempt ${attempt}/${maxRetries + 1}`;
      this.log(
        `ACP ${method} ${apiPath} ${result.kind === "response" ? result.status : result.code} ${ms}ms ${attemptLabel}`,
      );
      if (result.kind === "response" && result.status >= 200 && result.status < 300) {
        if (result.headers[IDEMPOTENT_REPLAYED_HEADER.toLowerCase()] === "true") {
          opts.onIdempotentReplay?.();
        }
        return parseResponse(spec.response, result.text, method, apiPath);
      }
      const { failure, retryAfterMs, retry } = this.judge(call, result, attempt, attemptLabel);
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
        throw abortError(method, apiPath, opts.signal);
      }
      if (mayHaveActed && opts.onAmbiguousRetry) await opts.onAmbiguousRetry(failure);
    }
  }

  /** Everything a call needs, checked before anything is sent. */
  private prepare<T>(spec: RequestSpec<T>): PreparedCall {
    const method = ROUTES[spec.route].method;
    const opts = spec.opts ?? {};
    const apiPath = buildPath(spec, method);
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
    const token = checkedToken(this.token);
    if (opts.signal?.aborted) throw abortError(method, apiPath, opts.signal);
    const headers = callHeaders(token, payload);
    if (idempotencyKey !== undefined) headers[IDEMPOTENCY_HEADER.toLowerCase()] = idempotencyKey;
    return { method, apiPath, headers, payload, timeoutMs, maxRetries, idempotencyKey };
  }

  /** The error of a failed attempt, and whether the retry policy tries again. */
  private judge(
    call: PreparedCall,
    result: AttemptResult,
    attempt: number,
    attemptLabel: string,
  ): { failure: AcpError; retryAfterMs?: number; retry: boolean } {
    const { method, apiPath, timeoutMs, maxRetries } = call;
    const hasIdempotencyKey = call.idempotencyKey !== undefined;
    if (result.kind === "response") {
      // A server that echoes the credentials it got: `request` redacts the error.
      const failure = errorFromResponse(
        result.status,
        result.text,
        result.headers,
        method,
        apiPath,
      );
      const ra = result.headers[RETRY_AFTER_HEADER.toLowerCase()];
      const retryAfterMs = parseRetryAfter(Array.isArray(ra) ? ra[0] : ra);
      const retry = shouldRetry({
        method,
        hasIdempotencyKey,
        status: result.status,
        attempt,
        maxRetries,
      });
      return { failure, retryAfterMs, retry };
    }
    const failure =
      result.code === "timeout"
        ? new AcpTimeoutError(
            `ACP API ${method} ${apiPath} timed out after ${timeoutMs} ms (${attemptLabel})`,
          )
        : new AcpConnectionError(
            `could not reach the ACP API at ${this.origin} for ${method} ${apiPath}: ${result.code} (${attemptLabel})`,
            { cause: result.error },
          );
    const retry = shouldRetry({
      method,
      hasIdempotencyKey,
      networkCode: result.code,
      attempt,
      maxRetries,
    });
    return { failure, retry };
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

  private log(line: string): void {
    if (!this.logger) return;
    try {
      this.logger(line);
    } catch {
      // A failing log sink must not fail the request.
    }
  }
}
