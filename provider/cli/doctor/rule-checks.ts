/** The checks of the conventions the provider assumes (routes.ts's headers, reasons and shapes). */
import { isDeepStrictEqual } from "node:util";
import { ConflictError, errorFromResponse } from "../../client/errors";
import {
  CONFLICT_REASONS,
  IDEMPOTENCY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
  MAX_RETRY_AFTER_MS,
  RETRY_AFTER_HEADER,
  Task,
  type ConflictReason,
} from "../../client";
import { type Exchange } from "./http";
import { readListPage } from "./scratch";
import {
  type Verdict,
  CannotTell,
  type RuleCheck,
  CLOCK_TOLERANCE_MS,
  PAGING_LIMIT,
  PAGING_MAX_PAGES,
  PAGING_READ_ONLY_PAGES,
  UNKNOWN_TASK_ID,
  isObject,
  shapeOf,
  firstDifference,
  seen,
  holds,
  differs,
  objectIn,
  idIn,
  post,
} from "./kit";

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
