import {
  CONFLICT_REASONS,
  LIST_DEFAULT_LIMIT,
  TaskCreateParams,
  TaskListParams,
  TaskUpdateParams,
  type Task,
} from "../../provider/client/schemas";
import { errors, parseBody } from "../errors";
import { EMULATOR_USER_ID, type EmulatorState, type RouteHandlers } from "../state";
import { newId, type Store } from "../store";
import { storedMetadata } from "../variants";

/** A stored task: always has an id. */
export type StoredTaskObject = Task & { id: string };

/** Server defaults of a new task; PATCH with `null` resets these fields to them. */
const TASK_DEFAULTS = {
  status: "backlog",
  priority: "medium",
  dependencyIds: [] as string[],
  linkedThreadIds: [] as string[],
  metadata: {} as Record<string, unknown>,
  sortOrder: 0,
} as const;

/** The task, or a 404. */
export function requireTask(store: Store, id: string): StoredTaskObject {
  const task = store.getTask(id);
  if (!task) throw errors.notFound(`task ${id} not found`);
  return task as StoredTaskObject;
}

/** 409 blocked_by_dependencies unless every dependency of the task is done. */
export function assertUnblocked(store: Store, task: Task): void {
  const blocking = (task.dependencyIds ?? []).filter((id) => store.getTask(id)?.status !== "done");
  if (blocking.length > 0) {
    throw errors.conflict(
      CONFLICT_REASONS.blockedByDependencies,
      `task ${task.id} is blocked by dependencies that are not done: ${blocking.join(", ")}`,
      { blockingTaskIds: blocking },
    );
  }
}

/**
 * 422 on `dependencyIds` when one is unknown, is the task itself, or (for an existing task)
 * would close a cycle.
 */
function checkDependencies(store: Store, taskId: string | undefined, dependencyIds: string[]) {
  for (const id of dependencyIds) {
    if (id === taskId) throw errors.validation("dependencyIds", "a task cannot depend on itself");
    if (!store.getTask(id)) throw errors.validation("dependencyIds", `unknown task ${id}`);
  }
  if (taskId === undefined) return;
  // Walk the graph as it would be after the change; reaching the task again is a cycle.
  const dependenciesOf = (id: string) =>
    id === taskId ? dependencyIds : (store.getTask(id)?.dependencyIds ?? []);
  const seen = new Set<string>();
  const walk = (id: string, trail: string[]): string[] | undefined => {
    if (id === taskId) return trail;
    if (seen.has(id)) return undefined;
    seen.add(id);
    for (const next of dependenciesOf(id)) {
      const cycle = walk(next, [...trail, next]);
      if (cycle) return cycle;
    }
    return undefined;
  };
  for (const id of dependencyIds) {
    const cycle = walk(id, [taskId, id]);
    if (cycle) {
      throw errors.validation("dependencyIds", `dependency cycle: ${cycle.join(" -> ")}`);
    }
  }
}

/** An opaque cursor: the creation sequence number of the last task of the page. */
function encodeCursor(seq: number): string {
  return Buffer.from(JSON.stringify({ after: seq })).toString("base64url");
}

function decodeCursor(cursor: string): number {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    const after = (value as { after?: unknown }).after;
    if (typeof after === "number" && Number.isInteger(after) && after >= 0) return after;
  } catch {
    // fall through to the 422
  }
  throw errors.validation("cursor", "is not a cursor this API returned");
}

/** Handlers of the task routes. */
export function taskRoutes(state: EmulatorState): RouteHandlers {
  const { store, variant } = state;
  return {
    createTask({ body }) {
      const params = parseBody(TaskCreateParams, body ?? {});
      if (params.metadata) params.metadata = storedMetadata(variant, params.metadata);
      checkDependencies(store, undefined, params.dependencyIds ?? []);
      const now = state.now();
      const task: StoredTaskObject = {
        id: newId("task"),
        userId: EMULATOR_USER_ID,
        ...structuredClone(TASK_DEFAULTS),
        ...params,
        createdAt: now,
        updatedAt: now,
      };
      if (task.status === "done" && task.completedAt === undefined) task.completedAt = now;
      store.putTask(task);
      return { status: 201, body: { task } };
    },

    retrieveTask({ params }) {
      if (variant.deletedTaskStatus === 410 && state.deletedTaskIds.has(params.taskId)) {
        throw errors.gone(`task ${params.taskId} was deleted`);
      }
      return { status: 200, body: { task: requireTask(store, params.taskId) } };
    },

    updateTask({ params, body }) {
      const patch = parseBody(TaskUpdateParams, body ?? {});
      for (const [key, value] of Object.entries(patch)) {
        if (value === null && !variant.patchAcceptsNull) {
          throw errors.validation(key, "must not be null");
        }
      }
      if (patch.status === "in_review" && !variant.patchAcceptsInReview) {
        throw errors.validation("status", `"in_review" is not a valid status`);
      }
      if (patch.metadata) patch.metadata = storedMetadata(variant, patch.metadata);
      const task = requireTask(store, params.taskId);
      if (patch.dependencyIds) checkDependencies(store, task.id, patch.dependencyIds);
      const now = state.now();
      const next: Record<string, unknown> = { ...task };
      for (const [key, value] of Object.entries(patch)) {
        if (value === undefined) continue;
        if (value !== null) next[key] = value;
        else if (key in TASK_DEFAULTS) {
          next[key] = structuredClone(TASK_DEFAULTS[key as keyof typeof TASK_DEFAULTS]);
        } else delete next[key];
      }
      if (next.status === "done" && task.status !== "done" && patch.completedAt === undefined) {
        next.completedAt = now;
      }
      next.updatedAt = now;
      store.putTask(next as StoredTaskObject);
      return { status: 200, body: { task: next } };
    },

    deleteTask({ params }) {
      const task = requireTask(store, params.taskId);
      const dependents = store
        .listTasks()
        .filter(({ task: t }) => t.dependencyIds?.includes(task.id))
        .map(({ task: t }) => t.id as string);
      if (dependents.length > 0) {
        throw errors.conflict(
          CONFLICT_REASONS.hasDependents,
          `task ${task.id} cannot be deleted: tasks depend on it: ${dependents.join(", ")}`,
          { dependentTaskIds: dependents },
        );
      }
      store.deleteTask(task.id);
      state.deletedTaskIds.add(task.id);
      return variant.deleteStatus === 200
        ? { status: 200, body: { deleted: true, id: task.id } }
        : { status: 204 };
    },

    listTasks({ query }) {
      // A query string is text: a numeric limit is read as a number, anything else fails the schema.
      const raw: Record<string, unknown> = { ...query };
      if (typeof raw.limit === "string" && /^\d+$/.test(raw.limit)) raw.limit = Number(raw.limit);
      const params = parseBody(TaskListParams, raw);
      const limit = params.limit ?? LIST_DEFAULT_LIMIT;
      const after = params.cursor === undefined ? 0 : decodeCursor(params.cursor);
      const matching = store
        .listTasks()
        .filter(
          ({ seq, task }) =>
            seq > after &&
            (params.projectId === undefined || task.projectId === params.projectId) &&
            (params.sprintId === undefined || task.sprintId === params.sprintId) &&
            (params.status === undefined || task.status === params.status),
        );
      const page = matching.slice(0, limit);
      const tasks = page.map((t) => t.task);
      const cursor = matching.length > limit ? encodeCursor(page[page.length - 1].seq) : undefined;
      if (variant.listEnvelope === "data") {
        return { status: 200, body: { data: tasks, ...(cursor ? { next_cursor: cursor } : {}) } };
      }
      return { status: 200, body: { tasks, ...(cursor ? { nextCursor: cursor } : {}) } };
    },
  };
}
