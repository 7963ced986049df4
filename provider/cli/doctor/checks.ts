import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { ConflictError, errorFromResponse } from "../../client/errors";
import {
  CONFLICT_REASONS,
  IDEMPOTENCY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
  MAX_RETRY_AFTER_MS,
  RETRY_AFTER_HEADER,
  ROUTES,
  Task,
  type ConflictReason,
  type RouteDef,
  type RouteName,
  type RouteSource,
} from "../../client";
import { InterruptedError, UnreachableError, type ApiSession, type Exchange } from "./http";
import { readListPage, SCRATCH_LEDGER, type ScratchArea } from "./scratch";

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
interface Verdict {
  result: CheckResult;
  evidence: string;
  fallback?: boolean;
  whenDiffers?: string;
}

/** Thrown by a check that cannot decide: the row says why. */
class CannotTell extends Error {}

/** Where in the run a check happens: what it needs has been made, what it breaks comes later. */
type Stage = "create" | "read" | "update" | "conflict" | "delete" | "after";
const STAGES: readonly Stage[] = ["create", "read", "update", "conflict", "delete", "after"];

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
type TaskRole = "anchor" | "dependent" | "ledger";

/** How a route is checked. A route of ROUTES without an entry here does not compile. */
interface RouteCheck {
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
interface RuleCheck {
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
const READ_SAMPLES = 3;
/** Largest clock difference (beyond the request's own round trip) that still holds, in ms. */
const CLOCK_TOLERANCE_MS = 30_000;
/** Page size and page limit of the paging check. */
const PAGING_LIMIT = 2;
const PAGING_MAX_PAGES = 200;
/** A read-only run has no task of its own to look for: it reads this many pages and stops. */
const PAGING_READ_ONLY_PAGES = 10;
/** Metadata sent with the anchor task: every JSON kind, nested, to check that it comes back as sent. */
const PROBE_METADATA = {
  "pulumi-acp-doctor-probe": { nested: { list: [1, "two", true, null], number: 1.5 }, flag: false },
};
/** Ids that name nothing, for the 404 checks. */
const UNKNOWN_TASK_ID = "task_pulumi_acp_doctor_unknown";
const UNKNOWN_SERVER_ID = "srv_pulumi_acp_doctor_unknown";
const UNKNOWN_RUN_ID = "run_pulumi_acp_doctor_unknown";

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
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
function seen(exchange: Exchange): string {
  if (!exchange.hasBody) return `${exchange.status} no body`;
  return `${exchange.status} ${exchange.json === undefined ? "not JSON" : shapeOf(exchange.json)}`;
}

function holds(evidence: string): Verdict {
  return { result: "holds", evidence };
}
function differs(evidence: string): Verdict {
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

function objectIn(exchange: Exchange, key: string): Json | undefined {
  const body = exchange.json;
  return isObject(body) && isObject(body[key]) ? body[key] : undefined;
}

function idIn(exchange: Exchange, key: string): string | undefined {
  const id = objectIn(exchange, key)?.id;
  return typeof id === "string" && id !== "" ? id : undefined;
}

/** Calls a read route a few times; returns the first answer (the others are latency samples). */
async function sampled(
  ctx: CheckContext,
  route: RouteName,
  params: Record<string, string>,
): Promise<Exchange> {
  const first = await ctx.session.call(route, { params });
  for (let i = 1; i < READ_SAMPLES; i++) await ctx.session.call(route, { params });
  return first;
}

/** A task of the list's first page (read-only runs read it instead of a scratch task). */
async function listedTask(ctx: CheckContext): Promise<Json | undefined> {
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
async function sampledListed(
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
async function post(
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

/** What pulumi-acp would read from a 409: the `reason`, else the one inferred from its message. */
function conflictVerdict(exchange: Exchange, expected: ConflictReason, doing: string): Verdict {
  if (exchange.status !== 409) {
    return differs(`${seen(exchange)} ${doing}; expected 409 with reason ${expected}`);
  }
  const body = isObject(exchange.json) ? exchange.json : {};
  if (body.reason === expected) return holds(`409 reason ${expected}`);
  const error = errorFromResponse(
    409,
    JSON.stringify(exchange.json ?? ""),
    {},
    exchange.method,
    exchange.path,
  );
  const inferred = ConflictError.isInstance(error) ? error.reason : "other";
  const given = typeof body.reason === "string" ? `reason ${body.reason}` : "no reason";
  return inferred === expected
    ? {
        result: "differs",
        evidence: `409 ${given}; the message reads as ${expected}`,
        fallback: true,
        whenDiffers: "the client reads the reason from the message, as it does here",
      }
    : {
        result: "differs",
        evidence: `409 ${given}; the message does not read as ${expected} either`,
        fallback: false,
      };
}

/** The checks of every route of ROUTES, keyed by route name: a new route must get one here. */
export const ROUTE_CHECKS = {
  createTask: {
    stage: "create",
    writes: true,
    whenDiffers:
      "Task cannot be created: pulumi up fails on every new task with the API's error or a ResponseValidationError",
    fallback: false,
    probe: async (ctx) => {
      // A refused create is this route's own difference, not a missing prerequisite.
      await ctx.task("anchor").catch((error: unknown) => {
        if (!ctx.anchor.exchange) throw error;
      });
      if (!ctx.anchor.exchange) throw new CannotTell("the anchor task was made elsewhere");
      return ctx.anchor.exchange;
    },
  },
  startThread: {
    stage: "create",
    writes: true,
    whenDiffers: 'TaskThread (mode "start") fails to create',
    fallback: false,
    probe: async (ctx) => {
      const exchange = await post(ctx, "startThread", {
        params: { taskId: await ctx.task("anchor") },
        body: { metadata: ctx.scratch.tag() },
      });
      ctx.startedThreadId = idIn(exchange, "thread");
      return exchange;
    },
  },
  runThread: {
    stage: "create",
    writes: true,
    costs: "runs the agent and costs budget",
    whenDiffers: 'TaskThread (mode "run") fails to create',
    fallback: false,
  },
  createThread: {
    stage: "create",
    writes: true,
    whenDiffers: "AcpClient.threads.create fails; the provider's resources do not use this route",
    fallback: true,
    probe: async (ctx) => {
      // Without content: a thread that runs nothing costs nothing.
      const ledger = await ctx.task("ledger");
      const exchange = await post(ctx, "createThread", {
        body: {
          title: ctx.scratch.title("thread"),
          metadata: ctx.scratch.tag(),
          ...(ctx.projectId ? { projectId: ctx.projectId } : {}),
        },
      });
      const id = idIn(exchange, "thread");
      if (id) {
        ctx.standaloneThreadId = id;
        // A thread is linked to no task: the ledger task lists it for a later run's cleanup.
        await ctx.session.call("updateTask", {
          params: { taskId: ledger },
          body: { metadata: { ...ctx.scratch.tag(), [SCRATCH_LEDGER]: id } },
        });
      }
      return exchange;
    },
  },
  createRun: {
    stage: "create",
    writes: true,
    costs: "runs an agent on a server and costs budget",
    whenDiffers: "AcpClient.runs.create fails; the provider's resources do not use this route",
    fallback: true,
  },
  retrieveTask: {
    stage: "read",
    writes: false,
    whenDiffers:
      "refresh, diff and import cannot read a task: pulumi preview and up fail on every existing task",
    fallback: false,
    probe: async (ctx) =>
      ctx.readOnly
        ? sampledListed(ctx, "retrieveTask", "taskId", (task) => task.id, "task listed")
        : sampled(ctx, "retrieveTask", { taskId: await ctx.task("anchor") }),
  },
  updateTask: {
    stage: "update",
    writes: true,
    whenDiffers: "a changed Task input cannot be applied: pulumi up fails on every update",
    fallback: false,
    probe: async (ctx) => {
      const title = ctx.scratch.title("anchor, renamed");
      const exchange = await ctx.session.call("updateTask", {
        params: { taskId: await ctx.task("anchor") },
        body: { title },
      });
      const verdict = judgeRoute("updateTask", exchange);
      if (verdict.result === "holds" && objectIn(exchange, "task")?.title !== title) {
        return differs(`${seen(exchange)}; the answer does not show the new title`);
      }
      return verdict;
    },
  },
  deleteTask: {
    stage: "delete",
    writes: true,
    whenDiffers: "pulumi destroy and replacements fail on every task",
    fallback: false,
    probe: async (ctx) =>
      ctx.session.call("deleteTask", { params: { taskId: await ctx.task("dependent") } }),
  },
  listTasks: {
    stage: "read",
    writes: false,
    whenDiffers:
      "pulumi up, preview and destroy never list tasks; AcpClient.tasks.list and listAll fail with ResponseValidationError",
    fallback: true,
    probe: async (ctx) => {
      const query = { projectId: ctx.projectId, limit: PAGING_LIMIT };
      const first = await ctx.session.call("listTasks", { query });
      for (let i = 1; i < READ_SAMPLES; i++) await ctx.session.call("listTasks", { query });
      return first;
    },
  },
  retrieveThread: {
    stage: "read",
    writes: false,
    whenDiffers:
      "refresh cannot read a TaskThread: pulumi preview and up fail on every existing thread",
    fallback: false,
    probe: async (ctx) => {
      if (ctx.readOnly) {
        const pick = (task: Json) =>
          Array.isArray(task.linkedThreadIds) ? task.linkedThreadIds[0] : undefined;
        return sampledListed(
          ctx,
          "retrieveThread",
          "threadId",
          pick,
          "thread linked to a listed task",
        );
      }
      if (!ctx.startedThreadId) throw new CannotTell("start-thread made no thread to read");
      return sampled(ctx, "retrieveThread", { threadId: ctx.startedThreadId });
    },
  },
  updateThread: {
    stage: "update",
    writes: true,
    whenDiffers: "a changed TaskThread title or metadata cannot be applied: pulumi up fails",
    fallback: false,
    probe: async (ctx) => {
      if (!ctx.startedThreadId) throw new CannotTell("start-thread made no thread to update");
      return ctx.session.call("updateThread", {
        params: { threadId: ctx.startedThreadId },
        body: { title: ctx.scratch.title("thread, renamed") },
      });
    },
  },
  deleteThread: {
    stage: "delete",
    writes: true,
    whenDiffers: "pulumi destroy fails on every TaskThread",
    fallback: false,
    probe: async (ctx) => {
      if (!ctx.standaloneThreadId)
        throw new CannotTell("POST /v1/threads made no thread to delete");
      return ctx.session.call("deleteThread", { params: { threadId: ctx.standaloneThreadId } });
    },
  },
  retrieveRun: {
    stage: "read",
    writes: false,
    whenDiffers:
      "AcpClient.runs.retrieve and waitForCompletion fail; the provider's resources do not use this route",
    fallback: true,
    probe: async (ctx) => {
      // A run to read would cost budget: the route is checked on a run that does not exist.
      const exchange = await sampled(ctx, "retrieveRun", {
        serverId: UNKNOWN_SERVER_ID,
        runId: UNKNOWN_RUN_ID,
      });
      const body = exchange.json;
      if (exchange.status === 404 && isObject(body) && "error" in body) {
        return holds(`404 ${shapeOf(body)} for an unknown run (reading a real one costs budget)`);
      }
      return differs(`${seen(exchange)} for an unknown run; expected 404 {error,message}`);
    },
  },
} satisfies Record<RouteName, RouteCheck>;

/** The checks of the conventions the provider assumes, in the order they run. */
export const RULE_CHECKS: readonly RuleCheck[] = [
  {
    id: "idempotency.replay",
    check: `${IDEMPOTENCY_HEADER} replays a POST`,
    source: "assumed",
    stage: "create",
    writes: true,
    whenDiffers:
      "a POST retried after a lost answer acts twice: a duplicate task or thread (set ACP_MAX_RETRIES=0 to trade retries for that risk)",
    fallback: false,
    run: async (ctx) => {
      await ctx.task("anchor");
      const { body, key, exchange: first } = ctx.anchor;
      if (!body || !key || !first) throw new CannotTell("the anchor task was not created here");
      const again = await post(ctx, "createTask", { body, key });
      const firstId = idIn(first, "task");
      const againId = idIn(again, "task");
      if (again.status !== first.status || !againId) {
        return differs(`first ${first.status}, repeated ${seen(again)}`);
      }
      return againId === firstId
        ? holds(`repeated key: ${again.status}, the same task`)
        : differs(`repeated key: ${again.status}, a second task`);
    },
  },
  {
    id: "idempotency.header",
    check: `${IDEMPOTENT_REPLAYED_HEADER}: true on a replay`,
    source: "assumed",
    stage: "create",
    writes: true,
    whenDiffers:
      "a replayed create is taken as new: a task deleted outside Pulumi and declared again gets its old id back until the next refresh",
    fallback: true,
    run: async (ctx) => {
      const replay = ctx.session.exchanges
        .filter((e) => e.route === "createTask" && e.status < 300)
        .slice(1)
        .find((e) => idIn(e, "task") === idIn(ctx.anchor.exchange as Exchange, "task"));
      if (!replay) throw new CannotTell("no replayed answer to look at");
      const value = replay.headers[IDEMPOTENT_REPLAYED_HEADER.toLowerCase()];
      return value === "true"
        ? holds(`${IDEMPOTENT_REPLAYED_HEADER}: true`)
        : differs(`${IDEMPOTENT_REPLAYED_HEADER}: ${value ?? "absent"}`);
    },
  },
  {
    id: "metadata.roundTrip",
    check: "unknown fields survive a round trip (metadata)",
    source: "spec",
    stage: "read",
    writes: true,
    whenDiffers:
      "Task and TaskThread metadata are compared deeply: a changed copy shows as a change on every preview",
    fallback: false,
    run: async (ctx) => {
      const id = await ctx.task("anchor");
      const exchange = await ctx.session.call("retrieveTask", { params: { taskId: id } });
      const task = objectIn(exchange, "task");
      if (!task) throw new CannotTell(`GET answered ${seen(exchange)}`);
      const sent = ctx.anchor.body?.metadata;
      const unknown = Object.keys(task).filter((k) => !(k in Task.shape));
      const extra =
        unknown.length > 0 ? `; fields the client does not know, kept: ${unknown.join(", ")}` : "";
      return isDeepStrictEqual(task.metadata, sent)
        ? holds(
            `metadata came back as sent (nested objects, arrays, numbers, booleans, null)${extra}`,
          )
        : differs(`metadata changed: ${firstDifference(sent, task.metadata, "metadata")}${extra}`);
    },
  },
  {
    id: "list.paging",
    check: "list paging: a cursor returns each task once",
    source: "assumed",
    stage: "read",
    writes: false,
    whenDiffers:
      "pulumi up, preview and destroy never list; AcpClient.tasks.listAll would miss or repeat tasks (it stops on a repeated cursor)",
    fallback: true,
    run: async (ctx) => {
      const mine = ctx.readOnly
        ? []
        : [await ctx.task("anchor"), await ctx.task("dependent"), await ctx.task("ledger")];
      const counts = new Map<string, number>();
      const cursors = new Set<string>();
      let cursor: string | undefined;
      let pages = 0;
      for (;;) {
        const exchange = await ctx.session.call("listTasks", {
          query: { projectId: ctx.projectId, limit: PAGING_LIMIT, cursor },
        });
        const page = exchange.status === 200 ? readListPage(exchange.json) : undefined;
        if (!page) throw new CannotTell(`page ${pages + 1}: ${seen(exchange)}`);
        pages++;
        if (page.tasks.length > PAGING_LIMIT) {
          return differs(`limit=${PAGING_LIMIT} answered ${page.tasks.length} tasks`);
        }
        for (const task of page.tasks) {
          const id = isObject(task) ? task.id : undefined;
          if (typeof id === "string") counts.set(id, (counts.get(id) ?? 0) + 1);
        }
        if (!page.cursor) break;
        if (ctx.readOnly && pages >= PAGING_READ_ONLY_PAGES) {
          return holds(
            `the first ${pages} pages of ${PAGING_LIMIT}: none twice (--read-only reads no further)`,
          );
        }
        if (cursors.has(page.cursor)) return differs(`page ${pages}: a cursor came back twice`);
        if (pages >= PAGING_MAX_PAGES) {
          throw new CannotTell(
            `more than ${PAGING_MAX_PAGES} pages of ${PAGING_LIMIT}; narrow with --project`,
          );
        }
        cursors.add(page.cursor);
        cursor = page.cursor;
      }
      const repeated = [...counts.values()].filter((n) => n > 1).length;
      const missing = mine.filter((id) => !counts.has(id)).length;
      const evidence = `${pages} pages of ${PAGING_LIMIT}, ${counts.size} tasks`;
      if (repeated > 0) return differs(`${evidence}; ${repeated} listed twice`);
      if (missing > 0)
        return differs(`${evidence}; ${missing} of the doctor's ${mine.length} tasks missing`);
      return holds(
        ctx.readOnly
          ? `${evidence}, none twice`
          : `${evidence}; each of the doctor's ${mine.length} once`,
      );
    },
  },
  {
    id: "errors.envelope",
    check: "error bodies are {error, message}",
    source: "assumed",
    stage: "read",
    writes: false,
    whenDiffers: "errors are reported with the body's text instead of its message",
    fallback: true,
    run: async (ctx) => {
      const exchange = await ctx.session.call("retrieveTask", {
        params: { taskId: UNKNOWN_TASK_ID },
      });
      const body = exchange.json;
      if (exchange.status !== 404)
        return differs(`${seen(exchange)} for an unknown task; expected 404`);
      return isObject(body) && typeof body.error === "string" && typeof body.message === "string"
        ? holds(`404 ${shapeOf(body)}`)
        : differs(`404 ${shapeOf(body)}`);
    },
  },
  {
    id: "errors.401",
    check: "a wrong token answers 401",
    source: "assumed",
    stage: "read",
    writes: false,
    whenDiffers: "a bad token is reported as the status the API gives, not as AuthenticationError",
    fallback: true,
    run: async (ctx) => {
      const exchange = await ctx.session.call("listTasks", {
        query: { limit: 1 },
        auth: "invalid",
      });
      return exchange.status === 401
        ? holds(seen(exchange))
        : differs(`${seen(exchange)}; expected 401`);
    },
  },
  {
    id: "patch.null",
    check: "PATCH with null clears a field",
    source: "assumed",
    stage: "update",
    writes: true,
    whenDiffers:
      "a field removed from the program is cleared with null: the update fails, or the old value stays and shows as a change on every preview",
    fallback: false,
    run: async (ctx) => {
      const id = await ctx.task("anchor");
      const exchange = await ctx.session.call("updateTask", {
        params: { taskId: id },
        body: { dueAt: null },
      });
      if (exchange.status !== 200) return differs(`${seen(exchange)} to {dueAt: null}`);
      const read = await ctx.session.call("retrieveTask", { params: { taskId: id } });
      const dueAt = objectIn(read, "task")?.dueAt;
      return dueAt == null
        ? holds("200; dueAt gone when read back")
        : differs("200, but dueAt still set when read back");
    },
  },
  {
    id: "patch.inReview",
    check: "PATCH accepts status in_review",
    source: "assumed",
    stage: "update",
    writes: true,
    whenDiffers:
      "a Task with status in_review is created, then moved there with PATCH: that update fails",
    fallback: false,
    run: async (ctx) => {
      const exchange = await ctx.session.call("updateTask", {
        params: { taskId: await ctx.task("ledger") },
        body: { status: "in_review" },
      });
      const status = objectIn(exchange, "task")?.status;
      return exchange.status === 200 && status === "in_review"
        ? holds("200, status in_review")
        : differs(
            `${seen(exchange)}${exchange.status === 200 ? `, status ${String(status)}` : ""}`,
          );
    },
  },
  {
    id: "validation.field",
    check: "422 names the field",
    source: "assumed",
    stage: "update",
    writes: true,
    whenDiffers: "a refused value is reported with the API's message, without the field's name",
    fallback: true,
    run: async (ctx) => {
      const exchange = await ctx.session.call("updateTask", {
        params: { taskId: await ctx.task("anchor") },
        body: { priority: "pulumi-acp-doctor-not-a-priority" },
      });
      if (exchange.status !== 400 && exchange.status !== 422) {
        return differs(`${seen(exchange)} to an unknown priority; expected 400 or 422`);
      }
      const field = isObject(exchange.json) ? exchange.json.field : undefined;
      return field === "priority"
        ? holds(`${exchange.status} field priority`)
        : differs(
            `${exchange.status} ${shapeOf(exchange.json)}, field ${field === undefined ? "absent" : JSON.stringify(field)}`,
          );
    },
  },
  {
    id: "conflict.blocked",
    check: "409 reason blocked_by_dependencies",
    source: "assumed",
    stage: "conflict",
    writes: true,
    whenDiffers:
      'without the reason the client reads the message; when that fails too, TaskThread onBlocked: "wait" does not wait',
    fallback: true,
    run: async (ctx) => {
      const exchange = await post(ctx, "startThread", {
        params: { taskId: await ctx.task("dependent") },
        body: { metadata: ctx.scratch.tag() },
      });
      return conflictVerdict(
        exchange,
        CONFLICT_REASONS.blockedByDependencies,
        "starting a blocked task",
      );
    },
  },
  {
    id: "conflict.alreadyStarted",
    check: "409 reason already_started",
    source: "assumed",
    stage: "conflict",
    writes: true,
    whenDiffers:
      "without the reason the client reads the message; when that fails too, the error names no existing thread",
    fallback: true,
    run: async (ctx) => {
      if (!ctx.startedThreadId) throw new CannotTell("start-thread made no first thread");
      const exchange = await post(ctx, "startThread", {
        params: { taskId: await ctx.task("anchor") },
        body: { metadata: ctx.scratch.tag() },
      });
      return conflictVerdict(exchange, CONFLICT_REASONS.alreadyStarted, "starting a task twice");
    },
  },
  {
    id: "conflict.hasDependents",
    check: "409 reason has_dependents",
    source: "assumed",
    stage: "conflict",
    writes: true,
    whenDiffers:
      "without the reason the client reads the message; when that fails too, destroy does not wait for dependents to go first",
    fallback: true,
    run: async (ctx) => {
      await ctx.task("dependent");
      const exchange = await ctx.session.call("deleteTask", {
        params: { taskId: await ctx.task("anchor") },
      });
      return conflictVerdict(
        exchange,
        CONFLICT_REASONS.hasDependents,
        "deleting a task others depend on",
      );
    },
  },
  {
    id: "delete.notFound",
    check: "a deleted task answers 404",
    source: "assumed",
    stage: "delete",
    writes: true,
    whenDiffers:
      "a task deleted outside Pulumi is not seen as gone: refresh fails instead of dropping it, and up does not recreate it",
    fallback: false,
    run: async (ctx) => {
      const deleted = ctx.session.exchanges.find((e) => e.route === "deleteTask" && e.status < 300);
      if (!deleted) throw new CannotTell("no task was deleted");
      const taskId = decodeURIComponent(deleted.path.split("/").pop() as string);
      const exchange = await ctx.session.call("retrieveTask", { params: { taskId } });
      return exchange.status === 404
        ? holds(seen(exchange))
        : differs(`${seen(exchange)}; expected 404`);
    },
  },
  {
    id: "retryAfter",
    check: `${RETRY_AFTER_HEADER} on 429`,
    source: "assumed",
    stage: "after",
    writes: false,
    whenDiffers:
      "without Retry-After the client backs off exponentially with jitter (250 ms doubling, up to 8 s)",
    fallback: true,
    run: async (ctx) => {
      const limited = ctx.session.exchanges.filter((e) => e.status === 429);
      if (limited.length === 0) {
        return {
          result: "skipped",
          evidence: "no 429 seen; the doctor makes no load to provoke one",
        };
      }
      const without = limited.filter(
        (e) => e.headers[RETRY_AFTER_HEADER.toLowerCase()] === undefined,
      );
      return without.length === 0
        ? holds(`${limited.length}× 429, each with ${RETRY_AFTER_HEADER}`)
        : differs(`${without.length} of ${limited.length}× 429 without ${RETRY_AFTER_HEADER}`);
    },
  },
  {
    id: "clock.skew",
    check: "the server's clock agrees with this machine's",
    source: "assumed",
    stage: "after",
    writes: false,
    whenDiffers: `pulumi-acp compares no server time with this clock; only a Retry-After given as a date is off by the skew (waits are capped at ${MAX_RETRY_AFTER_MS / 1000} s)`,
    fallback: true,
    run: async (ctx) => {
      const samples = [...ctx.clock];
      const dated = ctx.session.exchanges.find((e) =>
        Number.isFinite(Date.parse(e.headers.date ?? "")),
      );
      if (dated) {
        // The Date header has whole seconds: the server's time lies in [date, date + 1 s).
        const date = Date.parse(dated.headers.date as string);
        samples.push({
          sentAt: dated.receivedAt - dated.ms - 1000,
          receivedAt: dated.receivedAt,
          serverTime: date,
          what: "Date header",
        });
      }
      if (samples.length === 0) throw new CannotTell("no Date header and no timestamp to compare");
      // The server stamped the answer between sending and receiving it: the skew is what is
      // left outside that window.
      const skews = samples.map((s) => {
        const early = s.serverTime - s.sentAt;
        const late = s.serverTime - s.receivedAt;
        return { what: s.what, ms: early < 0 ? early : late > 0 ? late : 0 };
      });
      const worst = skews.reduce((a, b) => (Math.abs(b.ms) > Math.abs(a.ms) ? b : a));
      const text = `${worst.ms >= 0 ? "+" : ""}${(worst.ms / 1000).toFixed(1)} s (${skews.map((s) => s.what).join(", ")})`;
      return Math.abs(worst.ms) <= CLOCK_TOLERANCE_MS
        ? holds(text)
        : differs(`${text}; more than ${CLOCK_TOLERANCE_MS / 1000} s`);
    },
  },
];

/** Median of the answers' times, in ms. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? sorted[mid]
    : Math.round(((sorted[mid - 1] + sorted[mid]) / 2) * 10) / 10;
}

/** Every check, route checks first (in ROUTES order), then the rules: the rows of a report. */
export function checkCatalogue(): Omit<CheckRow, "result" | "evidence">[] {
  const routes = (Object.keys(ROUTES) as RouteName[]).map((name) => ({
    id: name,
    check: routeLabel(name),
    source: ROUTES[name].source,
    whenDiffers: ROUTE_CHECKS[name].whenDiffers,
    fallback: ROUTE_CHECKS[name].fallback,
  }));
  const rules = RULE_CHECKS.map(({ id, check, source, whenDiffers, fallback }) => ({
    id,
    check,
    source,
    whenDiffers,
    fallback,
  }));
  return [...routes, ...rules];
}

/** Runs one check, turning what it throws into a verdict. Interrupts go on up. */
async function verdictOf(run: () => Promise<Verdict>): Promise<Verdict> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof InterruptedError) throw error;
    if (error instanceof CannotTell || error instanceof UnreachableError) {
      return { result: "cannot tell", evidence: error.message };
    }
    return { result: "cannot tell", evidence: `the check failed: ${(error as Error).message}` };
  }
}

/**
 * Runs every check, stage by stage (route checks before the stage's rules), and returns one row
 * per check of {@link checkCatalogue}. A check that needs a write is skipped by --read-only, one
 * that costs budget always; when interrupted, the checks not yet run say so.
 */
export async function runChecks(
  ctx: CheckContext,
): Promise<{ rows: CheckRow[]; interrupted: boolean }> {
  const verdicts = new Map<string, Verdict>();
  let interrupted = false;
  const skipReason = (writes: boolean, costs?: string): string | undefined =>
    costs
      ? `not run: ${costs}`
      : writes && ctx.readOnly
        ? "not run: writes (--read-only)"
        : undefined;
  try {
    for (const stage of STAGES) {
      for (const name of Object.keys(ROUTES) as RouteName[]) {
        const check: RouteCheck = ROUTE_CHECKS[name];
        if (check.stage !== stage) continue;
        const skip = skipReason(check.writes, check.costs);
        if (skip || !check.probe) {
          verdicts.set(name, { result: "skipped", evidence: skip ?? "not run" });
          continue;
        }
        const probe = check.probe;
        verdicts.set(
          name,
          await verdictOf(async () => {
            const outcome = await probe(ctx);
            return "route" in outcome ? judgeRoute(name, outcome) : outcome;
          }),
        );
      }
      for (const rule of RULE_CHECKS) {
        if (rule.stage !== stage) continue;
        const skip = skipReason(rule.writes);
        verdicts.set(
          rule.id,
          skip ? { result: "skipped", evidence: skip } : await verdictOf(() => rule.run(ctx)),
        );
      }
    }
  } catch (error) {
    if (!(error instanceof InterruptedError)) throw error;
    interrupted = true;
  }
  const rows = checkCatalogue().map((row): CheckRow => {
    const verdict = verdicts.get(row.id) ?? {
      result: "cannot tell" as const,
      evidence: interrupted ? "interrupted before this check" : "not reached",
    };
    // Latency of the API's own answers: not of a 429, nor of the wrong-token check's 401.
    const times = ctx.session.exchanges
      .filter((e) => e.route === row.id && e.status !== 429 && e.status !== 401)
      .map((e) => e.ms);
    return {
      ...row,
      result: verdict.result,
      evidence: verdict.evidence,
      whenDiffers: verdict.whenDiffers ?? row.whenDiffers,
      fallback: verdict.fallback ?? row.fallback,
      ...(times.length > 0 ? { latency: { medianMs: median(times), calls: times.length } } : {}),
    };
  });
  return { rows, interrupted };
}

/** Builds the context the checks share; scratch tasks are made on first need, once. */
export function createCheckContext(
  session: ApiSession,
  scratch: ScratchArea,
  options: { readOnly: boolean; projectId?: string },
): CheckContext {
  const made = new Map<TaskRole, Promise<string>>();
  const project = options.projectId ? { projectId: options.projectId } : {};
  const bodies: Record<TaskRole, () => Promise<Record<string, unknown>>> = {
    anchor: async () => ({
      title: scratch.title("anchor"),
      description: "Made by pulumi-acp doctor to check the API; deleted when it ends.",
      dueAt: "2030-01-01T00:00:00Z",
      metadata: { ...scratch.tag(), ...PROBE_METADATA },
      ...project,
    }),
    dependent: async () => ({
      title: scratch.title("dependent"),
      dependencyIds: [await ctx.task("anchor")],
      metadata: scratch.tag(),
      ...project,
    }),
    ledger: async () => ({ title: scratch.title("ledger"), metadata: scratch.tag(), ...project }),
  };
  const make = async (role: TaskRole): Promise<string> => {
    if (ctx.readOnly) throw new CannotTell("--read-only makes no scratch task");
    const body = await bodies[role]();
    const key = randomUUID();
    const sentAt = Date.now();
    const exchange = await post(ctx, "createTask", { body, key });
    if (role === "anchor") ctx.anchor.exchange = exchange;
    const id = idIn(exchange, "task");
    if (exchange.status !== 201 || !id) {
      throw new CannotTell(`needs a scratch task; POST /v1/tasks answered ${seen(exchange)}`);
    }
    if (role === "anchor") {
      Object.assign(ctx.anchor, { body, key });
      const createdAt = Date.parse(String(objectIn(exchange, "task")?.createdAt));
      if (Number.isFinite(createdAt)) {
        ctx.clock.push({
          sentAt,
          receivedAt: exchange.receivedAt,
          serverTime: createdAt,
          what: "createdAt",
        });
      }
    }
    return id;
  };
  const ctx: CheckContext = {
    session,
    scratch,
    readOnly: options.readOnly,
    projectId: options.projectId,
    anchor: {},
    clock: [],
    task(role) {
      let promise = made.get(role);
      if (!promise) {
        promise = make(role);
        made.set(role, promise);
      }
      return promise;
    },
  };
  return ctx;
}
