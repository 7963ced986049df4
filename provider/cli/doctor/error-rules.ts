/** The doctor's checks of the API's error answers: envelope, 401, PATCH refusals, 409 reasons, 404. */
import { errorFromResponse } from "../../client/error-factory";
import { ConflictError } from "../../client/errors";
import { CONFLICT_REASONS, type ConflictReason } from "../../client";
import { type Exchange } from "./http";
import {
  type Verdict,
  CannotTell,
  type RuleCheck,
  UNKNOWN_TASK_ID,
  isObject,
  shapeOf,
  seen,
  holds,
  differs,
  objectIn,
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

/** The checks of the API's error answers, in the order they run. */
export const ERROR_RULES: readonly RuleCheck[] = [
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
];
