/** The check of each route of ROUTES: how it is called in the scratch area, and what a difference means. */
import { type RouteName } from "../../client";
import { SCRATCH_LEDGER } from "./scratch";
import {
  CannotTell,
  type RouteCheck,
  READ_SAMPLES,
  PAGING_LIMIT,
  UNKNOWN_SERVER_ID,
  UNKNOWN_RUN_ID,
  type Json,
  isObject,
  shapeOf,
  seen,
  holds,
  differs,
  judgeRoute,
  objectIn,
  idIn,
  sampled,
  sampledListed,
  post,
} from "./kit";

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
