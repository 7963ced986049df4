/**
 * What the doctor's checks share: the row and verdict types, the context, the tunables, and the
 * helpers that call the API and describe what it answered.
 */
import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import {
  IDEMPOTENCY_HEADER,
  ROUTES,
  type RouteDef,
  type RouteName,
  type RouteSource,
} from "../../client";
import { type ApiSession, type Exchange } from "./http";
import { readListPage, type ScratchArea } from "./scratch";

/** The outcome of one check. `skipped` checks were not run (they would write, or cost budget). */
export type CheckResult = "holds" | "differs" | "cannot tell" | "skipped";

/** One row of the doctor's report. */
export interface CheckRow {
  /** Stable id: the route's name in ROUTES, or a rule's id such as `idempotency.replay`. */
  id: string;
  /** The route (`PATCH /v1/tasks/{taskId}`) or the rule in words. */
  check: string;
  source: RouteSource;
  result: CheckResult;
  /** What was seen: status, the body's shape in one line, headers that matter. Never a credential. */
  evidence: string;
  /** What pulumi-acp does when this differs. */
  whenDiffers: string;
  /** Whether pulumi-acp has a documented fallback for a difference (exit 4 rather than 1). */
  fallback: boolean;
  /** Median time of this route's answers, in ms, and how many answers it is the median of. */
  latency?: { medianMs: number; calls: number };
}

/**
 * A check's verdict. A difference may override the check's `fallback` and `whenDiffers` when
 * what pulumi-acp does depends on how it differs (a 200 instead of a 204; a 409 whose message
 * still names its reason).
 */
export interface Verdict {
  result: CheckResult;
  evidence: string;
  fallback?: boolean;
  whenDiffers?: string;
}

/** Thrown by a check that cannot decide: the row says why. */
export class CannotTell extends Error {}

/** Where in the run a check happens: what it needs has been made, what it breaks comes later. */
export type Stage = "create" | "read" | "update" | "conflict" | "delete" | "after";
/** The stages in the order they run. */
export const STAGES: readonly Stage[] = ["create", "read", "update", "conflict", "delete", "after"];

/** What a check can use: the API session, the scratch area and what earlier checks made. */
export interface CheckContext {
  readonly session: ApiSession;
  readonly scratch: ScratchArea;
  readonly readOnly: boolean;
  readonly projectId: string | undefined;
  /** Scratch tasks by role, made on first need. */
  task(role: TaskRole): Promise<string>;
  /** The body and Idempotency-Key the anchor task was created with. */
  readonly anchor: { body?: Record<string, unknown>; key?: string; exchange?: Exchange };
  /** The thread start-thread made on the anchor task, once made. */
  startedThreadId?: string;
  /** The thread `POST /v1/threads` made, once made. */
  standaloneThreadId?: string;
  /** A task found by listing (read-only runs read it instead of a scratch task). */
  listedTask?: Record<string, unknown>;
  /** Local time bracket and server answer of a request, for the clock check. */
  readonly clock: { sentAt: number; receivedAt: number; serverTime: number; what: string }[];
}

/** The scratch tasks: the anchor (most checks), one depending on it, and the run's ledger. */
export type TaskRole = "anchor" | "dependent" | "ledger";

/** How a route is checked. A route of ROUTES without an entry here does not compile. */
export interface RouteCheck {
  stage: Stage;
  /** Whether the probe writes (skipped by --read-only). */
  writes: boolean;
  /** Set when calling the route costs budget: the check is skipped and says why. */
  costs?: string;
  whenDiffers: string;
  fallback: boolean;
  /** Calls the route; returns the answer to judge, or a verdict of its own. */
  probe?: (ctx: CheckContext) => Promise<Exchange | Verdict>;
}

/** How a rule (a convention, not a route) is checked. */
export interface RuleCheck {
  id: string;
  check: string;
  source: RouteSource;
  stage: Stage;
  writes: boolean;
  whenDiffers: string;
  fallback: boolean;
  run: (ctx: CheckContext) => Promise<Verdict>;
}

/** Times each read route is called, for its median latency. */
export const READ_SAMPLES = 3;
/** Largest clock difference (beyond the request's own round trip) that still holds, in ms. */
export const CLOCK_TOLERANCE_MS = 30_000;
/** Page size of the paging check. */
export const PAGING_LIMIT = 2;
/** The most pages the paging check reads before it gives up. */
export const PAGING_MAX_PAGES = 200;
/** A read-only run has no task of its own to look for: it reads this many pages and stops. */
export const PAGING_READ_ONLY_PAGES = 10;
/** Metadata sent with the anchor task: every JSON kind, nested, to check that it comes back as sent. */
export const PROBE_METADATA = {
  "pulumi-acp-doctor-probe": { nested: { list: [1, "two", true, null], number: 1.5 }, flag: false },
};
/** A task id that names nothing, for the 404 checks. */
export const UNKNOWN_TASK_ID = "task_pulumi_acp_doctor_unknown";
/** A server id that names nothing. */
export const UNKNOWN_SERVER_ID = "srv_pulumi_acp_doctor_unknown";
/** A run id that names nothing. */
export const UNKNOWN_RUN_ID = "run_pulumi_acp_doctor_unknown";

/** A JSON object, read loosely. */
export type Json = Record<string, unknown>;

/** Whether a value is a JSON object (not null, not an array). */
export function isObject(value: unknown): value is Json {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A body's shape in one line: its keys, nested one level, never its values. */
export function shapeOf(value: unknown, depth = 2): string {
  if (value === undefined) return "no body";
  if (value === null) return "null";
  if (Array.isArray(value)) {
    return value.length === 0 ? "[]" : `[${value.length}× ${shapeOf(value[0], depth - 1)}]`;
  }
  if (typeof value !== "object") return typeof value;
  const keys = Object.keys(value);
  if (depth <= 0) return keys.length === 0 ? "{}" : "{…}";
  // Top level in full (up to 6 keys), nested objects by their first keys only.
  const room = depth > 1 ? 6 : 3;
  const shown = keys.slice(0, room).map((k) => {
    const v = (value as Json)[k];
    return v !== null && typeof v === "object" && depth > 1 ? `${k}:${shapeOf(v, depth - 1)}` : k;
  });
  if (keys.length > room) shown.push(`+${keys.length - room}`);
  return `{${shown.join(",")}}`;
}

/** Where two JSON values first differ, in one line: `metadata.a.b: sent object, got string`. */
export function firstDifference(sent: unknown, got: unknown, path: string): string {
  const kind = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
  if (kind(sent) !== kind(got)) return `${path}: sent ${kind(sent)}, got ${kind(got)}`;
  if (isObject(sent) && isObject(got)) {
    for (const key of new Set([...Object.keys(sent), ...Object.keys(got)])) {
      if (!isDeepStrictEqual(sent[key], got[key])) {
        return firstDifference(sent[key], got[key], `${path}.${key}`);
      }
    }
  }
  if (Array.isArray(sent) && Array.isArray(got)) {
    if (sent.length !== got.length) return `${path}: sent ${sent.length} items, got ${got.length}`;
    const i = sent.findIndex((v, n) => !isDeepStrictEqual(v, got[n]));
    return firstDifference(sent[i], got[i], `${path}[${i}]`);
  }
  return `${path}: sent ${kind(sent)}, got another ${kind(got)}`;
}

/** `201 {task:{id,title,…}}`: status and shape, the evidence of most rows. */
export function seen(exchange: Exchange): string {
  if (!exchange.hasBody) return `${exchange.status} no body`;
  return `${exchange.status} ${exchange.json === undefined ? "not JSON" : shapeOf(exchange.json)}`;
}

/** A verdict that holds. */
export function holds(evidence: string): Verdict {
  return { result: "holds", evidence };
}
/** A verdict that differs, with the check's own fallback. */
export function differs(evidence: string): Verdict {
  return { result: "differs", evidence };
}

/** The route as the contract writes it: `GET /v1/tasks/{taskId}`. */
export function routeLabel(name: RouteName): string {
  return `${ROUTES[name].method} ${ROUTES[name].path.replace(/:([A-Za-z]+)/g, "{$1}")}`;
}

/** Judges an answer against its route's success statuses and envelope in ROUTES. */
export function judgeRoute(name: RouteName, exchange: Exchange): Verdict {
  const route: RouteDef = ROUTES[name];
  const status = exchange.status;
  if (!route.success.includes(status)) {
    const expected = `expected ${route.success.join(" or ")}`;
    if (route.tolerated?.includes(status)) {
      return {
        result: "differs",
        evidence: `${seen(exchange)}; ${expected}`,
        fallback: true,
        whenDiffers: `the client accepts ${status} as well and ignores the body`,
      };
    }
    return differs(`${seen(exchange)}; ${expected}`);
  }
  if (route.envelope.length === 0) {
    return exchange.hasBody
      ? differs(`${seen(exchange)}; expected no body`)
      : holds(seen(exchange));
  }
  const body = exchange.json;
  const missing = isObject(body) ? route.envelope.filter((k) => !(k in body)) : route.envelope;
  if (missing.length > 0) {
    return differs(`${seen(exchange)}; missing ${missing.join(", ")}`);
  }
  return holds(seen(exchange));
}

/** The object under `key` in an answer's body, if there is one. */
export function objectIn(exchange: Exchange, key: string): Json | undefined {
  const body = exchange.json;
  return isObject(body) && isObject(body[key]) ? body[key] : undefined;
}

/** The id of the object under `key` in an answer's body, if there is one. */
export function idIn(exchange: Exchange, key: string): string | undefined {
  const id = objectIn(exchange, key)?.id;
  return typeof id === "string" && id !== "" ? id : undefined;
}

/** Calls a read route a few times; returns the first answer (the others are latency samples). */
export async function sampled(
  ctx: CheckContext,
  route: RouteName,
  params: Record<string, string>,
): Promise<Exchange> {
  const first = await ctx.session.call(route, { params });
  for (let i = 1; i < READ_SAMPLES; i++) await ctx.session.call(route, { params });
  return first;
}

/** A task of the list's first page (read-only runs read it instead of a scratch task). */
export async function listedTask(ctx: CheckContext): Promise<Json | undefined> {
  if (!ctx.listedTask) {
    const exchange = await ctx.session.call("listTasks", {
      query: { projectId: ctx.projectId, limit: PAGING_LIMIT },
    });
    const first = readListPage(exchange.json)?.tasks[0];
    if (isObject(first)) ctx.listedTask = first;
  }
  return ctx.listedTask;
}

/**
 * In a read-only run: reads, a few times, what `pick` names on a listed task (its id, a thread of
 * it), or skips when the list has none.
 */
export async function sampledListed(
  ctx: CheckContext,
  route: RouteName,
  param: string,
  pick: (task: Json) => unknown,
  what: string,
): Promise<Exchange | Verdict> {
  const task = await listedTask(ctx);
  const id = task ? pick(task) : undefined;
  if (typeof id !== "string" || id === "") {
    return { result: "skipped", evidence: `no ${what} to read, and --read-only makes none` };
  }
  return sampled(ctx, route, { [param]: id });
}

/** A POST that starts something, with a fresh Idempotency-Key; what it creates is cleaned up. */
export async function post(
  ctx: CheckContext,
  route: RouteName,
  options: { params?: Record<string, string>; body: unknown; key?: string },
): Promise<Exchange> {
  const exchange = await ctx.session.call(route, {
    params: options.params,
    body: options.body,
    headers: { [IDEMPOTENCY_HEADER.toLowerCase()]: options.key ?? randomUUID() },
  });
  ctx.scratch.noteCreated(exchange);
  return exchange;
}
