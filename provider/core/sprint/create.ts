/**
 * How a Sprint creates one task, and finds the tasks whose create's answer was lost: every
 * create carries the Sprint's marker in its metadata and a stable Idempotency-Key, so that a
 * create is done once, with or without the server replaying the key.
 */
import {
  AcpApiError,
  NotFoundError,
  TASK_CREATE_STATUSES,
  type Task as ApiTask,
  type TaskCreateParams,
} from "../../client";
import { canonicalJson, stableKey } from "../compare";
import { describeError } from "../errors";
import { RUN_TAG_KEY } from "../run-tag";
import { acpClient } from "../settings";
import type { DeclaredTask } from "./inputs";
import { recordDependsOn, recordValue, type SprintTaskState } from "./state";

/** Who creates: the Sprint, by the 32 hex digits of its id (`sprint-<hex>`). */
export interface SprintIdentity {
  hex: string;
}

/**
 * The marker a Sprint's task carries in its metadata (under the run tag's key, which outputs
 * and diffs never show): which Sprint and which of its keys made it.
 */
export function taskMarker(who: SprintIdentity, key: string): string {
  return `${who.hex}/sprint/${key}`;
}

/**
 * A create whose outcome is not known: the API may have made the task although its answer was
 * lost. The task is looked up by its marker before it is created again.
 */
export class UncertainCreate extends Error {
  readonly code = "sprint_create_uncertain";
}

/** True when an error proves the API did not make the task (a refused request). */
function refused(err: unknown): boolean {
  const status = AcpApiError.isInstance(err) ? err.status : undefined;
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/** What the state records of a task the Sprint just made (or adopted), from what it declared. */
function recordedTask(
  id: string,
  task: DeclaredTask,
  fields: Record<string, unknown>,
): SprintTaskState {
  const record: SprintTaskState = { id, fields: {} };
  for (const [field, value] of Object.entries(fields))
    record.fields[field] = recordValue(field, value);
  const deps = recordDependsOn(task.dependsOn);
  if (deps !== undefined) record.dependsOn = deps;
  if (task.ignoreChanges.length > 0) record.ignore = [...task.ignoreChanges].sort();
  return record;
}

/**
 * Creates one task with its dependencies' ids, or adopts `adoptExistingId`. A status the create
 * request refuses (`in_review`) is left out: the update that follows sets it.
 */
export async function createTask(
  who: SprintIdentity,
  task: DeclaredTask,
  dependencyIds: string[],
  was: string | undefined,
): Promise<SprintTaskState> {
  if (task.adoptExistingId) return adoptTask(task);
  const fields = { ...task.values };
  if (!(TASK_CREATE_STATUSES as readonly unknown[]).includes(fields.status ?? "backlog")) {
    delete fields.status;
  }
  const body = { ...fields } as TaskCreateParams;
  if (dependencyIds.length > 0) body.dependencyIds = dependencyIds;
  body.metadata = { ...(body.metadata ?? {}), [RUN_TAG_KEY]: taskMarker(who, task.key) };
  const key = stableKey("pulumi-acp-sprint-", 48, [
    who.hex,
    task.key,
    was ?? "",
    canonicalJson(body),
  ]);
  let made: ApiTask;
  try {
    made = await createOnce(body, key, task.key);
  } catch (err) {
    if (refused(err)) throw describeError(err, `creating task "${task.key}"`);
    throw new UncertainCreate(describeError(err, `creating task "${task.key}"`).message);
  }
  if (!made.id) throw new UncertainCreate(`creating task "${task.key}": the answer has no id`);
  if (was !== undefined && made.id === was) {
    // A replayed answer naming the task this one replaces: create anew under a fresh key.
    throw new UncertainCreate(`creating task "${task.key}": the API replayed a task now gone`);
  }
  return recordedTask(made.id, task, fields);
}

/**
 * One create under a stable key. A replayed answer naming a task since deleted (the same Sprint
 * declared again after a destroy) is not trusted: the task is created anew under a fresh key.
 */
async function createOnce(body: TaskCreateParams, key: string, name: string): Promise<ApiTask> {
  const client = acpClient();
  let replayed = false;
  const made = await client.tasks.create(body, {
    idempotencyKey: key,
    onIdempotentReplay: () => (replayed = true),
    // Retrying here could make a second task on a server that replays nothing: look first.
    onAmbiguousRetry: async () => {
      throw new UncertainCreate(`creating task "${name}": the answer was lost`);
    },
  });
  if (!replayed) return made;
  try {
    await client.tasks.retrieve(made.id as string);
    return made;
  } catch (err) {
    if (!NotFoundError.isInstance(err)) throw err;
    return client.tasks.create(body, { idempotencyKey: `${key}-${Date.now().toString(36)}` });
  }
}

/** Adopts an existing task: what it holds now is recorded, so the update that follows fixes the rest. */
async function adoptTask(task: DeclaredTask): Promise<SprintTaskState> {
  const id = task.adoptExistingId as string;
  let live: ApiTask;
  try {
    live = await acpClient().tasks.retrieve(id);
  } catch (err) {
    if (NotFoundError.isInstance(err)) {
      throw new Error(
        `tasks[${JSON.stringify(task.key)}].adoptExistingId: there is no task ${id} to adopt; check the id, or remove adoptExistingId to create a new task`,
      );
    }
    throw describeError(err, `reading task ${id} to adopt it`);
  }
  const fields: Record<string, unknown> = {};
  const values = live as Record<string, unknown>;
  for (const field of Object.keys(task.values)) {
    if (values[field] !== undefined && values[field] !== null) fields[field] = values[field];
  }
  return recordedTask(id, task, fields);
}

/**
 * The tasks this Sprint made for `keys` (found by their marker), listing the tasks by sprint,
 * else by project, else all of them: one list per filter, page by page. `exclude` are ids that
 * are known gone or replaced.
 */
export async function findCreated(
  who: SprintIdentity,
  tasks: readonly DeclaredTask[],
  exclude: ReadonlySet<string>,
): Promise<Map<string, ApiTask>> {
  const wanted = new Map(tasks.map((t) => [taskMarker(who, t.key), t.key]));
  const filters = new Map<string, { sprintId?: string; projectId?: string }>();
  for (const t of tasks) {
    const filter =
      typeof t.values.sprintId === "string"
        ? { sprintId: t.values.sprintId }
        : typeof t.values.projectId === "string"
          ? { projectId: t.values.projectId }
          : {};
    filters.set(canonicalJson(filter), filter);
  }
  const found = new Map<string, ApiTask>();
  for (const filter of filters.values()) {
    for await (const live of acpClient().tasks.listAll({ ...filter, limit: 500 })) {
      const marker = (live.metadata as Record<string, unknown> | undefined)?.[RUN_TAG_KEY];
      const key = typeof marker === "string" ? wanted.get(marker) : undefined;
      if (key !== undefined && live.id && !exclude.has(live.id)) found.set(key, live);
    }
  }
  return found;
}

/** The state of a task found by its marker: what it holds now, for the update to compare. */
export function foundTask(task: DeclaredTask, live: ApiTask): SprintTaskState {
  const fields: Record<string, unknown> = {};
  const values = live as Record<string, unknown>;
  for (const field of Object.keys(task.values)) {
    if (field === "metadata") continue; // it carries the marker: let the update set it exactly
    if (values[field] !== undefined && values[field] !== null) fields[field] = values[field];
  }
  // Its dependencies are set again by the update: they may have changed since.
  const { dependsOn: _dependsOn, ...record } = recordedTask(live.id as string, task, fields);
  return record;
}
