import { randomBytes } from "node:crypto";
import type { ApiSession, Exchange } from "./http";
import { isObject, type Json as ApiObject } from "./kit";

/** Every task the doctor makes has a title that starts with this. */
export const SCRATCH_TITLE_PREFIX = "[pulumi-acp doctor]";
/**
 * Metadata key of the doctor's tag: its value is the id of the run that made the task or thread.
 * A string, so that it survives an API that keeps only strings in metadata.
 */
export const SCRATCH_TAG = "pulumi-acp-doctor";
/** Metadata key, on the run's ledger task, listing the threads not linked to a task. */
export const SCRATCH_LEDGER = "pulumi-acp-doctor-threads";
/** Page size when looking for what an earlier run left behind. */
const CLEANUP_PAGE_SIZE = 100;
/** At most this many pages are read when looking for leftovers (100 × 100 tasks). */
const CLEANUP_MAX_PAGES = 100;

/** A new run id: the time it started and a random part, so that two runs never share one. */
export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:.]/g, "").slice(0, 15)}-${randomBytes(4).toString("hex")}`;
}

/** The tasks and, when the API lists in another envelope, the cursor of one page of the list. */
export function readListPage(json: unknown): { tasks: unknown[]; cursor?: string } | undefined {
  if (json === null || typeof json !== "object" || Array.isArray(json)) return undefined;
  const body = json as Record<string, unknown>;
  // The contract's `{tasks, nextCursor}` first; else the first array and a cursor under a common
  // name, so that cleanup still works against an API whose list envelope differs.
  const tasks = Array.isArray(body.tasks)
    ? body.tasks
    : (Object.values(body).find((v) => Array.isArray(v)) as unknown[] | undefined);
  if (!tasks) return undefined;
  const cursor = [body.nextCursor, body.next_cursor, body.cursor, body.next].find(
    (c): c is string => typeof c === "string" && c !== "",
  );
  return { tasks, cursor };
}

/** Whether an API object (task or thread) carries the doctor's title prefix and tag. */
export function isScratch(object: unknown, requireTitle: boolean): boolean {
  if (!isObject(object)) return false;
  const tagged = isObject(object.metadata) && typeof object.metadata[SCRATCH_TAG] === "string";
  const titled = typeof object.title === "string" && object.title.startsWith(SCRATCH_TITLE_PREFIX);
  return requireTitle ? tagged && titled : tagged || titled;
}

/** What one cleanup did. */
export interface CleanupReport {
  tasksDeleted: number;
  threadsDeleted: number;
  /** One line per object left behind, with why. */
  left: string[];
}

/**
 * The doctor's scratch area: the ids of what this run made, and the cleanup that deletes them and
 * whatever an earlier, killed run left (found by its title prefix and tag, never anything else).
 */
export class ScratchArea {
  /** Ids of the tasks this run made, in the order made. */
  readonly tasks: string[] = [];
  /** Ids of the threads this run made. */
  readonly threads: string[] = [];

  constructor(
    readonly runId: string,
    readonly projectId: string | undefined,
  ) {}

  /** A title for a scratch object: the prefix, the run id and what the object is for. */
  title(purpose: string): string {
    return `${SCRATCH_TITLE_PREFIX} ${purpose} (run ${this.runId})`;
  }

  /** The metadata that tags an object as this run's. */
  tag(): Record<string, string> {
    return { [SCRATCH_TAG]: this.runId };
  }

  /** Notes the task or thread an answer created, so that cleanup deletes it. */
  noteCreated(exchange: Exchange): void {
    if (exchange.status < 200 || exchange.status >= 300 || !isObject(exchange.json)) return;
    const { task, thread } = exchange.json;
    if (exchange.route === "createTask" && isObject(task) && typeof task.id === "string") {
      if (!this.tasks.includes(task.id)) this.tasks.push(task.id);
    }
    if (isObject(thread) && typeof thread.id === "string" && !this.threads.includes(thread.id)) {
      this.threads.push(thread.id);
    }
  }

  /**
   * Deletes this run's threads and tasks, and every task an earlier run left (with the threads
   * linked to it or listed in its ledger). Tasks go dependents first. Never throws: what it
   * cannot delete is reported in `left`.
   */
  async clean(session: ApiSession, includeLeftovers: boolean): Promise<CleanupReport> {
    const report: CleanupReport = { tasksDeleted: 0, threadsDeleted: 0, left: [] };
    const tasks = new Map<string, ApiObject>();
    for (const id of this.tasks) tasks.set(id, { id });
    if (includeLeftovers) {
      try {
        for (const task of await this.findLeftovers(session)) tasks.set(task.id as string, task);
      } catch (error) {
        report.left.push(`earlier runs' tasks could not be listed: ${(error as Error).message}`);
      }
    }
    const threads = new Set(this.threads);
    for (const task of tasks.values()) {
      const linked = Array.isArray(task.linkedThreadIds) ? task.linkedThreadIds : [];
      const ledger = isObject(task.metadata) ? task.metadata[SCRATCH_LEDGER] : undefined;
      const listed = typeof ledger === "string" ? ledger.split(",").filter(Boolean) : [];
      for (const id of [...linked, ...listed]) {
        if (typeof id === "string" && (await this.isScratchThread(session, id))) threads.add(id);
      }
    }
    for (const id of threads) {
      if (await this.delete(session, "deleteThread", { threadId: id }, report)) {
        report.threadsDeleted++;
      }
    }
    // Dependents first: delete what no remaining task depends on, until nothing moves.
    let remaining = [...tasks.keys()];
    while (remaining.length > 0) {
      const dependencies = await this.dependenciesOf(session, remaining);
      const free = remaining.filter((id) => !remaining.some((o) => dependencies.get(o)?.has(id)));
      const next = free.length > 0 ? free : remaining;
      for (const id of next) {
        if (await this.delete(session, "deleteTask", { taskId: id }, report)) {
          report.tasksDeleted++;
        }
      }
      if (free.length === 0) break;
      remaining = remaining.filter((id) => !next.includes(id));
    }
    return report;
  }

  /** The tasks of earlier runs: title prefix and tag both present (any run id). */
  private async findLeftovers(session: ApiSession): Promise<ApiObject[]> {
    const found: ApiObject[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; page < CLEANUP_MAX_PAGES; page++) {
      const exchange = await session.call("listTasks", {
        query: { projectId: this.projectId, limit: CLEANUP_PAGE_SIZE, cursor },
      });
      const read = exchange.status === 200 ? readListPage(exchange.json) : undefined;
      if (!read) throw new Error(`GET /v1/tasks answered ${exchange.status}`);
      for (const task of read.tasks) {
        if (!isScratch(task, true) || !isObject(task) || typeof task.id !== "string") continue;
        if (seen.has(task.id)) continue;
        seen.add(task.id);
        found.push(task);
      }
      if (!read.cursor || read.cursor === cursor) break;
      cursor = read.cursor;
    }
    return found;
  }

  /** Whether a thread is the doctor's: made by this run, or tagged or titled as the doctor's. */
  private async isScratchThread(session: ApiSession, id: string): Promise<boolean> {
    if (this.threads.includes(id)) return true;
    const exchange = await session.call("retrieveThread", { params: { threadId: id } });
    return (
      exchange.status === 200 && isObject(exchange.json) && isScratch(exchange.json.thread, false)
    );
  }

  /** Each task's dependencyIds, read afresh (a task that cannot be read has none). */
  private async dependenciesOf(
    session: ApiSession,
    ids: string[],
  ): Promise<Map<string, Set<string>>> {
    const out = new Map<string, Set<string>>();
    for (const id of ids) {
      const exchange = await session.call("retrieveTask", { params: { taskId: id } });
      const task = isObject(exchange.json) ? exchange.json.task : undefined;
      const deps = isObject(task) && Array.isArray(task.dependencyIds) ? task.dependencyIds : [];
      out.set(id, new Set(deps.filter((d): d is string => typeof d === "string")));
    }
    return out;
  }

  private async delete(
    session: ApiSession,
    route: "deleteTask" | "deleteThread",
    params: Record<string, string>,
    report: CleanupReport,
  ): Promise<boolean> {
    const what = route === "deleteTask" ? `task ${params.taskId}` : `thread ${params.threadId}`;
    try {
      const exchange = await session.call(route, { params });
      // Already gone is what a delete wants.
      if ((exchange.status >= 200 && exchange.status < 300) || exchange.status === 404) {
        return exchange.status !== 404;
      }
      report.left.push(`${what}: DELETE answered ${exchange.status}`);
    } catch (error) {
      report.left.push(`${what}: ${(error as Error).message}`);
    }
    return false;
  }
}
