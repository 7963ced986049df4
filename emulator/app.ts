import * as http from "node:http";
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { z } from "zod";
import {
  IDEMPOTENCY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
  type RouteName,
} from "../provider/client/schemas";
import { canonicalJson } from "../provider/client/canonical-json";
import { resolveAgent, runAgent, type AgentOptions, type ResolvedAgent } from "./agent";
import { ApiError, errors, parseBody, toApiError } from "./errors";
import { FAULT_HEADER, FaultInjector, ServerFaultsSchema, type ServerFaults } from "./faults";
import { Router } from "./router";
import { releaseHeldRuns, resumeAsyncRuns, runRoutes } from "./routes/runs";
import { taskRoutes } from "./routes/tasks";
import { threadRoutes } from "./routes/threads";
import type { AgentExecutionKind, EmulatorState, RouteHandler, RouteResponse } from "./state";
import { createStore, type StoreSnapshot } from "./store";
import { resolveVariant, type ApiVariantOptions } from "./variants";

/**
 * Options of {@link createEmulator}. The {@link ApiVariantOptions} make it play an API that breaks
 * one assumption of the contract (no idempotency replay, PATCH refusing null, ...).
 */
export interface EmulatorOptions extends ApiVariantOptions {
  /** Bearer token required on every /v1 request. Default "test-token". */
  token?: string;
  /** Account budget in USD. Default 100. */
  budget?: number;
  /** Latency in ms added before every /v1 answer. Default 0. */
  latencyMs?: number;
  /** The stand-in agent: run duration (ms, default 0), failure, cost per run (USD, default 0.05). */
  agent?: AgentOptions;
  /** Server-wide fault injection. Default none. */
  faults?: ServerFaults;
  /**
   * Persist the store to this JSON file and its journal `FILE.journal` (each write appended to
   * the journal before the answer; compacted into the file on close); reload both on start.
   */
  dataFile?: string;
  /** Seed of the fault RNG: the same seed gives the same fault sequence. Default 1. */
  seed?: number;
  /**
   * Background progress of async runs: ms queued, then ms running (defaults 50 and 100); `hold`
   * (default false) keeps every async run `running` until `holdAsyncRuns(false)`.
   */
  asyncRun?: { queuedMs?: number; runningMs?: number; hold?: boolean };
  /**
   * The agent runtime servers that exist: `POST /v1/servers/{serverId}/runs` on any other id is
   * a 404 naming it. Default: every server id exists.
   */
  servers?: string[];
}

/** Counters since start or the last `resetStats()`. */
export interface EmulatorStats {
  /**
   * Answers by route template and status: `{ "POST /v1/tasks": { "201": 3 } }`. Unknown routes
   * count under "unmatched"; a reset counts as status "reset", a dropped answer as "drop".
   */
  requests: Record<string, Record<string, number>>;
  totalRequests: number;
  /** TCP connections accepted. */
  connectionsOpened: number;
  /**
   * Executions of the stand-in agent (paid work), by kind: each run-thread, each thread created
   * with content, each server run that ran. What "never repeated by accident" is checked on.
   */
  agentExecutions: Record<AgentExecutionKind, number>;
  /** Faults injected, by kind (latency counts requests that got extra latency). */
  faultsInjected: {
    error: number;
    rateLimit: number;
    reset: number;
    drop: number;
    latency: number;
    /** Requests held back by `holdAfter`. */
    held: number;
  };
}

/** One /v1 request: never its headers, so a token cannot leak into the log. */
export interface RequestLogEntry {
  method: string;
  /** Path and query string. */
  path: string;
  /** The status answered; 0 when the socket was reset or the answer dropped. */
  status: number;
  /** Time to answer, in ms. */
  ms: number;
  /** The parsed JSON body, when there was one. */
  body?: unknown;
  /** The fault injected, if any. */
  fault?: "error" | "rateLimit" | "reset" | "drop";
}

/** A running ACP API emulator. Build with {@link createEmulator}, then `listen()`. */
export interface Emulator {
  readonly server: http.Server;
  /** Listens (port default 0: any free port; host default 127.0.0.1); resolves to the base URL. */
  listen(port?: number, host?: string): Promise<string>;
  /** Closes the server and every open keep-alive socket, and stops background timers. */
  close(): Promise<void>;
  /** The base URL, such as `http://127.0.0.1:8787`. Throws before `listen()`. */
  readonly url: string;
  stats(): EmulatorStats;
  resetStats(): void;
  /** A deep copy of the store. */
  snapshot(): StoreSnapshot;
  /** Empties the store (tasks, threads, runs, idempotency keys); budget back to the option. */
  reset(): void;
  setFaults(faults: ServerFaults | undefined): void;
  /** Sets the account budget, in USD. */
  setBudget(usd: number): void;
  setAgent(agent: AgentOptions | undefined): void;
  /**
   * `true`: async runs that would end stay `running` from now on. `false`: the runs held end
   * now (the agent runs then, with its current settings), and later ones end on their timers.
   */
  holdAsyncRuns(hold: boolean): void;
  /** The last 10,000 /v1 requests (reserved paths are not logged). */
  readonly log: RequestLogEntry[];
}

/** Largest request body, in bytes: 1 MiB. */
export const BODY_LIMIT_BYTES = 1024 * 1024;
/** Past this many bytes the emulator stops reading and closes the connection. */
const BODY_DISCARD_LIMIT_BYTES = 16 * BODY_LIMIT_BYTES;
/** Deepest nesting of arrays and objects a request body may have. */
const MAX_JSON_DEPTH = 64;
const LOG_LIMIT = 10_000;
const RESERVED_PREFIX = "/__emulator/";

interface Answer extends RouteResponse {
  headers?: Record<string, string>;
}

function emptyStats(): EmulatorStats {
  return {
    requests: {},
    totalRequests: 0,
    connectionsOpened: 0,
    agentExecutions: { runThread: 0, threadContent: 0, serverRun: 0 },
    faultsInjected: { error: 0, rateLimit: 0, reset: 0, drop: 0, latency: 0, held: 0 },
  };
}

/** Reads the body: 413 past the limit, 415 when it is not JSON, 400 when the JSON is malformed. */
async function readJsonBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= BODY_LIMIT_BYTES) chunks.push(chunk);
    else if (size > BODY_DISCARD_LIMIT_BYTES) {
      const error = errors.payloadTooLarge(BODY_LIMIT_BYTES);
      error.headers.connection = "close";
      throw error;
    }
  }
  if (size > BODY_LIMIT_BYTES) throw errors.payloadTooLarge(BODY_LIMIT_BYTES);
  if (size === 0) return undefined;
  const contentType = req.headers["content-type"] ?? "";
  if (!/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(contentType)) {
    throw errors.unsupportedMediaType(contentType);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch (error) {
    throw errors.badRequest(`malformed JSON body: ${(error as Error).message}`);
  }
  // JSON.parse takes any depth, but cloning, validating and persisting recurse: a deeply
  // nested body would overflow the stack there, after the store had already kept it.
  if (nestedDeeperThan(body, MAX_JSON_DEPTH)) {
    throw errors.badRequest(`JSON body nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  return body;
}

/** Whether `value` has arrays or objects nested more than `limit` levels deep. */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== "object") return false;
  if (limit === 0) return true;
  for (const child of Object.values(value)) if (nestedDeeperThan(child, limit - 1)) return true;
  return false;
}

function send(res: http.ServerResponse, answer: Answer): void {
  if (res.headersSent || res.destroyed) return;
  if (answer.body === undefined) {
    res.writeHead(answer.status, answer.headers);
    res.end();
    return;
  }
  const text = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...answer.headers,
  });
  res.end(text);
}

const BudgetBody = z.strictObject({ budget: z.number().finite().min(0) });
const AgentBody = z.strictObject({
  durationMs: z.number().min(0).optional(),
  fail: z.boolean().optional(),
  costPerRun: z.number().min(0).optional(),
});

/**
 * Builds an ACP API emulator; it does not listen. Every /v1 route of ROUTES, with the API's
 * errors, budget, dependencies, a deterministic stand-in agent and fault injection.
 *
 * Faults: server-wide through `options.faults` / `setFaults()` / `PUT /__emulator/faults`, or
 * per request with the header `x-acp-emulator-fault` (see {@link FAULT_HEADER}):
 * `status=503`, `status=429;retry-after=2`, `reset`, `drop` (writes), `latency=200`, joined
 * with `,`.
 *
 * Reserved paths (no token, never faulted, never delayed, not logged or counted):
 * `GET /__emulator/stats`, `POST /__emulator/stats/reset`, `GET /__emulator/store`,
 * `POST /__emulator/reset`, `PUT /__emulator/faults`, `PUT /__emulator/budget` (`{budget}`),
 * `PUT /__emulator/agent`.
 *
 * Idempotency: a POST with `Idempotency-Key` that succeeded (2xx) is stored; the same key on
 * the same method and path replays the stored status and body (header `idempotent-replayed:
 * true`) without creating again. The same key with a different body is a 422 with `field`
 * "Idempotency-Key". A refused request (4xx) is not stored: it changed nothing, so a retry is
 * evaluated afresh. Concurrent requests with one key wait for the first and replay it.
 */
export function createEmulator(options: EmulatorOptions = {}): Emulator {
  const token = options.token ?? "test-token";
  const variant = resolveVariant(options);
  const latencyMs = options.latencyMs ?? 0;
  let agent: ResolvedAgent = resolveAgent(options.agent);
  const store = createStore({ budget: options.budget ?? 100, dataFile: options.dataFile });
  const faults = new FaultInjector(options.faults, options.seed ?? 1);
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  const inFlight = new Map<string, Promise<Answer>>();
  const log: RequestLogEntry[] = [];
  let stats = emptyStats();
  let baseUrl: string | undefined;
  let closed = false;

  const state: EmulatorState = {
    store,
    agent: () => agent,
    execute(kind, prompt, resolved) {
      stats.agentExecutions[kind]++;
      return runAgent(prompt, resolved);
    },
    asyncRun: {
      queuedMs: options.asyncRun?.queuedMs ?? 50,
      runningMs: options.asyncRun?.runningMs ?? 100,
      hold: options.asyncRun?.hold ?? false,
      held: new Set(),
    },
    servers: options.servers ? new Set(options.servers) : undefined,
    schedule(ms, fn) {
      if (closed) return;
      const timer = setTimeout(() => {
        timers.delete(timer);
        fn();
      }, ms);
      timer.unref();
      timers.add(timer);
    },
    sleep: (ms) =>
      ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms).unref()),
    now: () => new Date(Date.now() + variant.clockOffsetMs).toISOString(),
    variant,
    deletedTaskIds: new Set(),
  };
  const handlers: Partial<Record<RouteName, RouteHandler>> = {
    ...taskRoutes(state),
    ...threadRoutes(state),
    ...runRoutes(state),
  };
  const router = new Router();
  resumeAsyncRuns(state);

  function count(key: string, status: string): void {
    const byStatus = (stats.requests[key] ??= {});
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    stats.totalRequests++;
  }

  function record(entry: RequestLogEntry): void {
    log.push(entry);
    if (log.length > LOG_LIMIT) log.splice(0, log.length - LOG_LIMIT);
  }

  /** Runs a route, replaying a stored answer for a repeated Idempotency-Key. */
  async function dispatch(
    method: string,
    pathname: string,
    name: RouteName,
    params: Record<string, string>,
    query: Record<string, string>,
    body: unknown,
    idempotencyKey: string | undefined,
  ): Promise<Answer> {
    const handler = handlers[name];
    if (!handler) throw errors.notFound(`no handler for ${method} ${pathname}`);
    const run = async (): Promise<Answer> => handler({ params, query, body });
    if (method !== "POST" || idempotencyKey === undefined || !variant.idempotencyReplay) {
      return run();
    }
    const key = `${method} ${pathname} ${idempotencyKey}`;
    const fingerprint = canonicalJson(body ?? null);
    const replay = (): Answer | undefined => {
      const stored = store.getIdempotent(key);
      if (!stored) return undefined;
      if (stored.fingerprint !== fingerprint) {
        throw errors.validation(
          IDEMPOTENCY_HEADER,
          "this key was already used with a different request body",
        );
      }
      return {
        status: stored.status,
        body: structuredClone(stored.body),
        headers: variant.replayedHeader
          ? { [IDEMPOTENT_REPLAYED_HEADER.toLowerCase()]: "true" }
          : {},
      };
    };
    const pending = inFlight.get(key);
    if (pending) {
      await pending.catch(() => undefined);
      const replayed = replay();
      if (replayed) return replayed;
    }
    const replayed = replay();
    if (replayed) return replayed;
    const promise = run().then((answer) => {
      if (answer.status >= 200 && answer.status < 300) {
        store.putIdempotent(key, { fingerprint, status: answer.status, body: answer.body });
      }
      return answer;
    });
    inFlight.set(key, promise);
    try {
      return await promise;
    } finally {
      if (inFlight.get(key) === promise) inFlight.delete(key);
    }
  }

  async function handleApi(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    const started = performance.now();
    const method = req.method ?? "GET";
    const match = router.match(method, url.pathname);
    const key = match?.key ?? "unmatched";
    const entry: RequestLogEntry = { method, path: url.pathname + url.search, status: 0, ms: 0 };
    const finish = (status: number | "reset" | "drop") => {
      entry.ms = Math.round((performance.now() - started) * 10) / 10;
      if (typeof status === "number") entry.status = status;
      count(key, String(status));
      record(entry);
    };
    let answer: Answer;
    let holdAnswer = false;
    try {
      const header = req.headers[FAULT_HEADER];
      const plan = faults.plan(method, url.pathname, Array.isArray(header) ? header[0] : header);
      holdAnswer = plan.holdAnswer === true;
      if (plan.latencyMs > 0) stats.faultsInjected.latency++;
      // Counted as soon as the request arrives, so that the count is final once the clients
      // have closed their connections.
      if (plan.hold || plan.holdAnswer) stats.faultsInjected.held++;
      await state.sleep(latencyMs + plan.latencyMs);
      if (plan.reset) {
        stats.faultsInjected.reset++;
        entry.fault = "reset";
        finish("reset");
        req.socket.destroy();
        return;
      }
      if (plan.status === 429) {
        stats.faultsInjected.rateLimit++;
        entry.fault = "rateLimit";
        throw errors.rateLimited(plan.retryAfterSeconds ?? 1);
      }
      if (plan.status !== undefined) {
        stats.faultsInjected.error++;
        entry.fault = "error";
        throw errors.injected(plan.status);
      }
      if (!url.pathname.startsWith("/v1/") && url.pathname !== "/v1") {
        throw errors.notFound(`no route ${method} ${url.pathname}`);
      }
      if (req.headers.authorization !== `Bearer ${token}`) throw errors.unauthorized();
      const body = method === "GET" ? undefined : await readJsonBody(req);
      if (body !== undefined) entry.body = body;
      if (!match) throw errors.notFound(`no route ${method} ${url.pathname}`);
      if (plan.hold) {
        await faults.held();
        if (closed) {
          finish("reset");
          req.socket.destroy();
          return;
        }
      }
      const idempotencyHeader = req.headers[IDEMPOTENCY_HEADER.toLowerCase()];
      answer = await dispatch(
        method,
        url.pathname,
        match.name,
        match.params,
        Object.fromEntries(url.searchParams),
        body,
        Array.isArray(idempotencyHeader) ? idempotencyHeader[0] : idempotencyHeader,
      );
      store.flush();
      if (plan.drop) {
        stats.faultsInjected.drop++;
        entry.fault = "drop";
        finish("drop");
        req.socket.destroy();
        return;
      }
    } catch (error) {
      answer = variantError(toApiError(error));
    }
    if (variant.clockOffsetMs !== 0) {
      answer.headers = {
        ...answer.headers,
        date: new Date(Date.now() + variant.clockOffsetMs).toUTCString(),
      };
    }
    if (holdAnswer) {
      // The API has acted; its answer waits for the faults to change (FaultOptions.holdAnswers).
      await faults.held();
      if (closed || req.socket.destroyed) {
        finish("reset");
        req.socket.destroy();
        return;
      }
    }
    finish(answer.status);
    send(res, answer);
  }

  /** An error answer, less what the variant leaves out of it. */
  function variantError(apiError: ApiError): Answer {
    const body: Record<string, unknown> = { ...apiError.body };
    const headers = { ...apiError.headers };
    if (apiError.status === 409 && !variant.conflictReason) delete body.reason;
    if ((apiError.status === 400 || apiError.status === 422) && !variant.validationField) {
      delete body.field;
    }
    if (apiError.status === 429 && !variant.retryAfter) delete headers["retry-after"];
    return { status: apiError.status, body, headers };
  }

  /** The reserved `/__emulator/` paths that let another process steer the emulator. */
  async function handleReserved(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    const route = `${req.method} ${url.pathname.slice(RESERVED_PREFIX.length - 1)}`;
    let answer: Answer;
    try {
      switch (route) {
        case "GET /stats":
          answer = { status: 200, body: emulator.stats() };
          break;
        case "POST /stats/reset":
          emulator.resetStats();
          answer = { status: 200, body: emulator.stats() };
          break;
        case "GET /store":
          answer = { status: 200, body: emulator.snapshot() };
          break;
        case "POST /reset":
          emulator.reset();
          answer = { status: 200, body: emulator.snapshot() };
          break;
        case "PUT /faults": {
          const body = await readJsonBody(req);
          emulator.setFaults(body == null ? undefined : parseBody(ServerFaultsSchema, body));
          answer = { status: 200, body: { faults: faults.get() ?? null } };
          break;
        }
        case "PUT /budget": {
          emulator.setBudget(parseBody(BudgetBody, await readJsonBody(req)).budget);
          answer = { status: 200, body: { budget: store.budget } };
          break;
        }
        case "PUT /agent": {
          emulator.setAgent(parseBody(AgentBody, (await readJsonBody(req)) ?? {}));
          answer = { status: 200, body: { agent } };
          break;
        }
        default:
          throw errors.notFound(`no emulator route ${route}`);
      }
    } catch (error) {
      const apiError = toApiError(error);
      answer = { status: apiError.status, body: apiError.body, headers: apiError.headers };
    }
    send(res, answer);
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://emulator.invalid");
    const handled = url.pathname.startsWith(RESERVED_PREFIX)
      ? handleReserved(req, res, url)
      : handleApi(req, res, url);
    handled.catch((error: unknown) => {
      // Last line of defence: a bug answers 500 and the server goes on.
      const apiError = error instanceof ApiError ? error : toApiError(error);
      send(res, { status: apiError.status, body: apiError.body });
    });
  });
  server.on("connection", (socket: Socket) => {
    stats.connectionsOpened++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("clientError", (_error, socket: Socket) => {
    if (socket.writable) {
      const text = JSON.stringify(errors.badRequest("malformed HTTP request").body);
      socket.end(
        `HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
      );
    } else socket.destroy();
  });

  const emulator: Emulator = {
    server,
    log,
    get url() {
      if (!baseUrl) throw new Error("the emulator is not listening: call listen() first");
      return baseUrl;
    },
    listen(port = 0, host = "127.0.0.1") {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const address = server.address();
          const actualPort = typeof address === "object" && address ? address.port : port;
          baseUrl = `http://${host.includes(":") ? `[${host}]` : host}:${actualPort}`;
          resolve(baseUrl);
        });
      });
    },
    close() {
      closed = true;
      faults.releaseHeld();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      // The server closes even when the last write to the data file fails; close() then rejects.
      let flushError: unknown;
      try {
        store.close();
      } catch (error) {
        flushError = error;
      }
      return new Promise<void>((resolve, reject) => {
        const done = (error?: Error) => {
          const failure = flushError ?? error;
          if (failure) reject(failure);
          else resolve();
        };
        const listening = server.listening;
        if (listening) server.close((error) => done(error));
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
        if (!listening) done();
      });
    },
    stats: () => structuredClone(stats),
    resetStats() {
      stats = { ...emptyStats(), connectionsOpened: 0 };
    },
    snapshot: () => store.snapshot(),
    reset() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      state.asyncRun.held.clear();
      inFlight.clear();
      state.deletedTaskIds.clear();
      store.clear(options.budget ?? 100);
      store.flush();
    },
    setFaults: (f) => faults.set(f),
    setBudget(usd) {
      store.budget = usd;
      store.flush();
    },
    setAgent(a) {
      agent = resolveAgent(a);
    },
    holdAsyncRuns(hold) {
      state.asyncRun.hold = hold;
      if (!hold) releaseHeldRuns(state);
    },
  };
  return emulator;
}
