import { z } from "zod";
import { errors } from "./errors";

/**
 * Server-wide fault injection. Rates are probabilities in [0, 1], drawn from a seeded RNG so a
 * fault sequence repeats for the same requests. Reserved `/__emulator/` paths never see faults.
 */
export interface FaultOptions {
  /** Rate of answering `errorStatus` with an error body, changing nothing. */
  errorRate?: number;
  /** Status of an injected error. Default 503. */
  errorStatus?: number;
  /** Rate of answering 429 with Retry-After, changing nothing. */
  rateLimitRate?: number;
  /** Retry-After of an injected 429, in seconds. Default 1. */
  retryAfterSeconds?: number;
  /** Rate of destroying the socket without answering, changing nothing. */
  resetRate?: number;
  /** Writes only (POST/PATCH/DELETE): rate of applying the change, then destroying the socket. */
  dropResponseRate?: number;
  /** Extra fixed latency, ms, before the request is handled. */
  latencyMs?: number;
  /** Extra random latency, 0..N ms. */
  latencyJitterMs?: number;
  /**
   * Only requests whose path starts with one of these prefixes, where a `*` segment stands for
   * any one segment (`/v1/tasks/*\/run-thread`). Default: every /v1 path.
   */
  routes?: string[];
  /** Only requests of these methods (`POST`, `PATCH`, ...). Default: every method. */
  methods?: string[];
  /**
   * Hold back every request (of `routes`) after the first N since these faults were set: it
   * waits, having changed nothing, until the faults are set again (it is then handled, even when
   * its client has gone: the API acted, the answer is lost) or the emulator closes (its socket is
   * destroyed, nothing done). Lets a test stop a client at a known point instead of a moment.
   */
  holdAfter?: number;
  /**
   * With `holdAfter`: a held request is handled at once (the API acts) and only its answer
   * waits, then goes to whatever is left of its connection: the moment a client is stopped after
   * the server did the work and before it heard so.
   */
  holdAnswers?: boolean;
}

const rate = z.number().min(0).max(1);
/** Validates a {@link FaultOptions} (the body of `PUT /__emulator/faults`). */
export const FaultOptionsSchema = z.strictObject({
  errorRate: rate.optional(),
  errorStatus: z.number().int().min(400).max(599).optional(),
  rateLimitRate: rate.optional(),
  retryAfterSeconds: z.number().int().min(0).optional(),
  resetRate: rate.optional(),
  dropResponseRate: rate.optional(),
  latencyMs: z.number().min(0).optional(),
  latencyJitterMs: z.number().min(0).optional(),
  routes: z.array(z.string()).optional(),
  methods: z.array(z.string()).optional(),
  holdAfter: z.number().int().min(0).optional(),
  holdAnswers: z.boolean().optional(),
});

/**
 * Request header that injects faults into one request. A comma-separated list of:
 * - `status=503`: answer that status (any 4xx/5xx) with an error body, changing nothing;
 * - `status=429;retry-after=2`: a 429 with `Retry-After: 2` (seconds; default 1);
 * - `reset`: destroy the socket without answering, changing nothing;
 * - `drop`: writes only: apply the change, then destroy the socket without answering;
 * - `latency=200`: wait 200 ms more before answering.
 * Example: `x-acp-emulator-fault: latency=100,drop`. A malformed value is a 400.
 */
export const FAULT_HEADER = "x-acp-emulator-fault";

/** The faults one request gets. */
export interface FaultPlan {
  latencyMs: number;
  reset: boolean;
  drop: boolean;
  /** Wait for the faults to change before handling it ({@link FaultOptions.holdAfter}). */
  hold?: boolean;
  /** Handle it at once, and wait for the faults to change before answering. */
  holdAnswer?: boolean;
  /** Answer this status instead of handling the request. */
  status?: number;
  retryAfterSeconds?: number;
}

/** Parses the {@link FAULT_HEADER} value. */
export function parseFaultHeader(value: string): FaultPlan {
  const plan: FaultPlan = { latencyMs: 0, reset: false, drop: false };
  const bad = (part: string) =>
    errors.badRequest(`${FAULT_HEADER}: cannot read "${part}"`, { field: FAULT_HEADER });
  for (const part of value.split(",").map((p) => p.trim())) {
    if (part === "") continue;
    if (part === "reset") plan.reset = true;
    else if (part === "drop") plan.drop = true;
    else if (part.startsWith("latency=")) {
      const ms = Number(part.slice("latency=".length));
      if (!Number.isFinite(ms) || ms < 0) throw bad(part);
      plan.latencyMs += ms;
    } else if (part.startsWith("status=")) {
      const [statusText, ...options] = part.slice("status=".length).split(";");
      const status = Number(statusText);
      if (!Number.isInteger(status) || status < 400 || status > 599) throw bad(part);
      plan.status = status;
      for (const option of options) {
        const match = /^\s*retry-after=(\d+)\s*$/i.exec(option);
        if (!match) throw bad(part);
        plan.retryAfterSeconds = Number(match[1]);
      }
    } else throw bad(part);
  }
  return plan;
}

/** Whether `path` starts with `route`, a `*` segment of which matches any one segment. */
export function routeMatches(route: string, path: string): boolean {
  if (!route.includes("*")) return path.startsWith(route);
  const routeParts = route.split("/");
  const pathParts = path.split("/");
  if (pathParts.length < routeParts.length) return false;
  return routeParts.every((part, i) => {
    const last = i === routeParts.length - 1;
    if (part === "*") return pathParts[i] !== "" && pathParts[i] !== undefined;
    return last ? pathParts[i].startsWith(part) : pathParts[i] === part;
  });
}

/** mulberry32: a tiny seeded RNG, enough for reproducible fault sequences. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Server-wide faults: one set of options, or several, each for its own `routes` and `methods`
 * (a request gets the first whose routes and methods it matches).
 */
export type ServerFaults = FaultOptions | FaultOptions[];

/** Validates {@link ServerFaults} (the body of `PUT /__emulator/faults`). */
export const ServerFaultsSchema = z.union([FaultOptionsSchema, z.array(FaultOptionsSchema)]);

/** Decides the faults of each request, from the server-wide options and the request header. */
export class FaultInjector {
  private random: () => number;
  private options: ServerFaults | undefined;
  /** The options as rules, each with its count of requests since set, for `holdAfter`. */
  private rules: Array<{ options: FaultOptions; matched: number }> = [];
  private release: (() => void) | undefined;
  private released: Promise<void> | undefined;

  constructor(options: ServerFaults | undefined, seed: number) {
    this.random = seededRandom(seed);
    this.set(options);
  }

  set(options: ServerFaults | undefined): void {
    this.options = options;
    const list = options === undefined ? [] : Array.isArray(options) ? options : [options];
    this.rules = list.map((o) => ({ options: o, matched: 0 }));
    this.releaseHeld();
  }

  /** Resolves when the requests held now may go on (the faults changed or the server closes). */
  held(): Promise<void> {
    this.released ??= new Promise((resolve) => (this.release = resolve));
    return this.released;
  }

  /** Lets every held request go on. */
  releaseHeld(): void {
    this.release?.();
    this.release = undefined;
    this.released = undefined;
  }

  get(): ServerFaults | undefined {
    return this.options;
  }

  /** The faults of one request; `header` is the {@link FAULT_HEADER} value if any. */
  plan(method: string, path: string, header: string | undefined): FaultPlan {
    const plan = header ? parseFaultHeader(header) : { latencyMs: 0, reset: false, drop: false };
    const write = method === "POST" || method === "PATCH" || method === "DELETE";
    if (!write) plan.drop = false;
    const rule = this.rules.find(
      ({ options: o }) =>
        (!o.routes || o.routes.some((route) => routeMatches(route, path))) &&
        (!o.methods || o.methods.includes(method)),
    );
    if (!rule) return plan;
    const o = rule.options;
    rule.matched++;
    if (o.holdAfter !== undefined && rule.matched > o.holdAfter) {
      if (o.holdAnswers) plan.holdAnswer = true;
      else plan.hold = true;
    }
    if (o.latencyMs) plan.latencyMs += o.latencyMs;
    if (o.latencyJitterMs) plan.latencyMs += Math.floor(this.random() * (o.latencyJitterMs + 1));
    if (plan.reset || plan.status !== undefined) return plan;
    if (o.resetRate && this.random() < o.resetRate) plan.reset = true;
    else if (o.errorRate && this.random() < o.errorRate) plan.status = o.errorStatus ?? 503;
    else if (o.rateLimitRate && this.random() < o.rateLimitRate) {
      plan.status = 429;
      plan.retryAfterSeconds = o.retryAfterSeconds ?? 1;
    } else if (write && o.dropResponseRate && this.random() < o.dropResponseRate) plan.drop = true;
    return plan;
  }
}
