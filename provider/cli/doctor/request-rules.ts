/** The doctor's checks of how requests are taken: idempotency keys, metadata and paging. */
import { isDeepStrictEqual } from "node:util";
import { IDEMPOTENCY_HEADER, IDEMPOTENT_REPLAYED_HEADER, Task } from "../../client";
import { type Exchange } from "./http";
import { readListPage } from "./scratch";
import {
  CannotTell,
  type RuleCheck,
  PAGING_LIMIT,
  PAGING_MAX_PAGES,
  PAGING_READ_ONLY_PAGES,
  isObject,
  firstDifference,
  seen,
  holds,
  differs,
  objectIn,
  idIn,
  post,
} from "./kit";

/** The checks of idempotency, metadata round trips and list paging, in the order they run. */
export const REQUEST_RULES: readonly RuleCheck[] = [
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
];
