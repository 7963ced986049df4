import { Agent, type Dispatcher } from "undici";
import { parseRetryAfter } from "../../client/retry";
import { ROUTES, routePath, type RouteName } from "../../client/schemas";
import { VERSION } from "../../client/version";

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
 * A session of raw calls to the API. Unlike AcpClient it keeps every status, header and body as
 * the API gave them, because the doctor judges exactly what the client would refuse or repair.
 * It retries only a 429 (after its Retry-After, so that a busy API does not fail the checks) and
 * records every exchange, 429s included, for the latency and Retry-After checks.
 */
export class ApiSession {
  /** Every exchange, in order. */
  readonly exchanges: Exchange[] = [];
  private readonly dispatcher = new Agent({ connections: 4, keepAliveTimeout: 5_000 });
  private readonly origin: string;
  private readonly pathPrefix: string;
  // Non-enumerable: never in a JSON dump or an inspect of the session.
  declare private readonly token: string;

  constructor(
    baseUrl: string,
    token: string,
    private readonly timeoutMs: number,
    private readonly signal: AbortSignal,
  ) {
    const url = new URL(baseUrl);
    this.origin = url.origin;
    this.pathPrefix = url.pathname === "/" ? "" : url.pathname;
    Object.defineProperty(this, "token", { value: token, enumerable: false });
  }

  /** Calls one route of ROUTES; a 429 is waited out and retried a few times. */
  async call(route: RouteName, options: CallOptions = {}): Promise<Exchange> {
    for (let attempt = 1; ; attempt++) {
      const exchange = await this.once(route, options);
      if (exchange.status !== 429 || attempt >= RATE_LIMIT_ATTEMPTS) return exchange;
      const retryAfter = parseRetryAfter(exchange.headers["retry-after"]);
      await this.wait(Math.min(retryAfter ?? RATE_LIMIT_FALLBACK_WAIT_MS, MAX_RATE_LIMIT_WAIT_MS));
    }
  }

  /** Closes the session's connections. */
  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private async once(route: RouteName, options: CallOptions): Promise<Exchange> {
    if (this.signal.aborted) throw new InterruptedError();
    const { method } = ROUTES[route];
    let path = routePath(route, options.params);
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) query.set(key, String(value));
    }
    if (query.size > 0) path += `?${query.toString()}`;
    const token = options.auth === "invalid" ? INVALID_TOKEN : this.token;
    const headers: Record<string, string> = {
      accept: "application/json",
      "user-agent": `pulumi-acp/${VERSION} doctor`,
      authorization: `Bearer ${token}`,
      ...options.headers,
    };
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    if (payload !== undefined) headers["content-type"] = "application/json";
    const started = performance.now();
    let res: Dispatcher.ResponseData;
    let text: string;
    try {
      res = await this.dispatcher.request({
        origin: this.origin,
        path: `${this.pathPrefix}${path}`,
        method: method as Dispatcher.HttpMethod,
        headers,
        body: payload,
        signal: this.signal,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      text = await res.body.text();
    } catch (error) {
      if (this.signal.aborted) throw new InterruptedError();
      const code = (error as { code?: string }).code ?? (error as Error).name;
      throw new UnreachableError(`${method} ${path}: no answer from ${this.origin} (${code})`);
    }
    const ms = Math.round((performance.now() - started) * 10) / 10;
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
      status: res.statusCode,
      headers: Object.fromEntries(
        Object.entries(res.headers).map(([k, v]) => [k.toLowerCase(), firstHeader(v)]),
      ),
      json,
      hasBody: text !== "",
      ms,
      receivedAt: Date.now(),
    };
    this.exchanges.push(exchange);
    return exchange;
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.signal.aborted) return reject(new InterruptedError());
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(new InterruptedError());
      };
      const timer = setTimeout(() => {
        this.signal.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      this.signal.addEventListener("abort", onAbort, { once: true });
    });
  }
}
