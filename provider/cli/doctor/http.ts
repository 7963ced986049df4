import { AcpCore, sleep } from "../../client/core";
import { AcpAbortError, ResponseValidationError } from "../../client/errors";
import { parseRetryAfter } from "../../client/retry";
import type { RouteName } from "../../client/schemas";

/** One request the doctor made and what came back: what a check judges. */
export interface Exchange {
  route: RouteName;
  method: string;
  /** The API path with its query (never a full URL, never a credential). */
  path: string;
  status: number;
  headers: Record<string, string | undefined>;
  /** The body parsed as JSON; undefined when it was empty or not JSON. */
  json: unknown;
  /** Whether there was a body at all. */
  hasBody: boolean;
  /** Time from sending to the whole answer, in ms. */
  ms: number;
  /** When the answer had come, by this machine's clock (ms since the epoch). */
  receivedAt: number;
}

/** What to send: path parameters, query, body, extra headers, and which credentials. */
export interface CallOptions {
  params?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /** `"token"` (the default) sends the configured token; `"invalid"` a made-up one. */
  auth?: "token" | "invalid";
}

/** The API could not be reached, or answered nothing usable. The message names no credential. */
export class UnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnreachableError";
  }
}

/** The user interrupted the run (Ctrl-C). */
export class InterruptedError extends Error {
  constructor() {
    super("interrupted");
    this.name = "InterruptedError";
  }
}

/** A token the doctor sends to check that the API refuses a wrong one. */
const INVALID_TOKEN = "pulumi-acp-doctor-invalid-token";
/** Attempts of one call answered 429, the longest wait between them, and the wait without Retry-After. */
const RATE_LIMIT_ATTEMPTS = 4;
const MAX_RATE_LIMIT_WAIT_MS = 10_000;
const RATE_LIMIT_FALLBACK_WAIT_MS = 500;

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * A session of raw calls to the API, through the client's core (its headers, path building and
 * redaction). Unlike AcpClient it keeps every status, header and body as the API gave them,
 * because the doctor judges exactly what the client would refuse or repair. It retries only a
 * 429 (after its Retry-After, so that a busy API does not fail the checks) and records every
 * exchange, 429s included, for the latency and Retry-After checks.
 */
export class ApiSession {
  /** Every exchange, in order. */
  readonly exchanges: Exchange[] = [];
  private readonly core: AcpCore;

  constructor(
    baseUrl: string,
    token: string,
    timeoutMs: number,
    private readonly signal: AbortSignal,
  ) {
    // Every setting the environment could give is given here, so that nothing is read from this
    // process's environment: the doctor's settings come from its own (already checked, so http
    // to a remote host was allowed or refused there). The session retries only 429s, itself.
    this.core = new AcpCore({
      baseUrl,
      token,
      timeoutMs,
      maxRetries: 0,
      allowInsecureHttp: true,
      connections: 4,
    });
  }

  /** Calls one route of ROUTES; a 429 is waited out and retried a few times. */
  async call(route: RouteName, options: CallOptions = {}): Promise<Exchange> {
    for (let attempt = 1; ; attempt++) {
      const exchange = await this.once(route, options);
      if (exchange.status !== 429 || attempt >= RATE_LIMIT_ATTEMPTS) return exchange;
      const retryAfter = parseRetryAfter(exchange.headers["retry-after"]);
      try {
        await sleep(
          Math.min(retryAfter ?? RATE_LIMIT_FALLBACK_WAIT_MS, MAX_RATE_LIMIT_WAIT_MS),
          this.signal,
        );
      } catch {
        throw new InterruptedError();
      }
    }
  }

  /** Closes the session's connections. */
  async close(): Promise<void> {
    await this.core.close();
  }

  private async once(route: RouteName, options: CallOptions): Promise<Exchange> {
    if (this.signal.aborted) throw new InterruptedError();
    const started = performance.now();
    let result;
    try {
      result = await this.core.rawRequest({
        route,
        pathParams: options.params,
        query: options.query,
        body: options.body,
        headers: options.headers,
        token: options.auth === "invalid" ? INVALID_TOKEN : undefined,
        agent: "doctor",
        signal: this.signal,
      });
    } catch (error) {
      if (this.signal.aborted || AcpAbortError.isInstance(error)) throw new InterruptedError();
      if (ResponseValidationError.isInstance(error)) throw new UnreachableError(error.message);
      throw error;
    }
    const { method, path } = result;
    if (result.kind === "network") {
      throw new UnreachableError(
        `${method} ${path}: no answer from ${new URL(this.core.baseUrl).origin} (${result.code})`,
      );
    }
    const ms = Math.round((performance.now() - started) * 10) / 10;
    const text = result.text;
    let json: unknown;
    try {
      json = text === "" ? undefined : (JSON.parse(text) as unknown);
    } catch {
      json = undefined;
    }
    const exchange: Exchange = {
      route,
      method,
      path,
      status: result.status,
      headers: Object.fromEntries(
        Object.entries(result.headers).map(([k, v]) => [k.toLowerCase(), firstHeader(v)]),
      ),
      json,
      hasBody: text !== "",
      ms,
      receivedAt: Date.now(),
    };
    this.exchanges.push(exchange);
    return exchange;
  }
}
