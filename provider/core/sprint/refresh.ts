/**
 * A Sprint's refresh: reads its tasks back with the fewest requests the API allows (pages of
 * the list route by the sprint or the project the tasks share, single reads otherwise), records
 * what changed on the server as the fields' last values (the next diff shows it), drops tasks
 * deleted out of band (the next up creates them again) and, with `exclusive`, records the
 * sprint's tasks that the program does not declare (the next up deletes them).
 */
import { NotFoundError, type Task as ApiTask } from "../../client";
import { describeError } from "../errors";
import { withoutProviderMetadata } from "../run-tag";
import { acpClient } from "../settings";
import { concurrencyOf } from "./inputs";
import { inPool } from "./scheduler";
import {
  recordDependsOn,
  recordValue,
  sameAsRecorded,
  type SprintTaskState,
  type SprintTasksState,
} from "./state";

/** The one string value of `field` that every recorded task holds, if they share one. */
function sharedValue(state: SprintTasksState, field: string): string | undefined {
  const values = new Set(Object.values(state).map((t) => t.fields[field]));
  const [only] = values;
  return values.size === 1 && typeof only === "string" ? only : undefined;
}

/** The server's tasks of the Sprint by id, and (listed by sprint) every task of the sprint. */
export async function readTasks(
  state: SprintTasksState,
  concurrency: number,
  sprintToList: string | undefined,
): Promise<{ live: Map<string, ApiTask>; sprintTasks?: ApiTask[] }> {
  const client = acpClient();
  const ids = new Set(Object.values(state).flatMap((t) => (t.id ? [t.id] : [])));
  const live = new Map<string, ApiTask>();
  const sprintId = sprintToList ?? sharedValue(state, "sprintId");
  const projectId = sprintId ? undefined : sharedValue(state, "projectId");
  let sprintTasks: ApiTask[] | undefined;
  if (sprintId || projectId) {
    const filter = sprintId ? { sprintId } : { projectId };
    const listed: ApiTask[] = [];
    for await (const t of client.tasks.listAll({ ...filter, limit: 500 })) listed.push(t);
    for (const t of listed) if (t.id && ids.has(t.id)) live.set(t.id, t);
    if (sprintToList) sprintTasks = listed;
  }
  // Tasks the list did not show (moved out of the sprint, or no list applies): one read each.
  const unread = [...ids].filter((id) => !live.has(id));
  const errors = await inPool(unread, concurrency, async (id) => {
    try {
      live.set(id, await client.tasks.retrieve(id));
    } catch (err) {
      if (!NotFoundError.isInstance(err)) throw describeError(err, `reading task ${id}`);
    }
  });
  const [first] = errors.values();
  if (first) throw first;
  return { live, sprintTasks };
}

/** One task's state after a read: the server's values where they moved (but ignored fields). */
function refreshedTask(
  record: SprintTaskState,
  task: ApiTask,
  keyOfId: Map<string, string>,
): SprintTaskState {
  const fields = { ...record.fields };
  const ignored = new Set(record.ignore ?? []);
  const values = task as Record<string, unknown>;
  for (const [field, recorded] of Object.entries(record.fields)) {
    if (ignored.has(field)) continue;
    const value = field === "metadata" ? withoutProviderMetadata(values[field]) : values[field];
    if (value === undefined || value === null) delete fields[field];
    else if (!sameAsRecorded(field, recorded, value)) fields[field] = recordValue(field, value);
  }
  const next: SprintTaskState = { ...record, fields };
  const liveDeps = (task.dependencyIds ?? []).map((id) => keyOfId.get(id) ?? `id:${id}`);
  const deps = recordDependsOn(liveDeps);
  if (deps === undefined) delete next.dependsOn;
  else next.dependsOn = deps;
  return next;
}

/** The Sprint's recorded outputs after reading its tasks back. */
export async function refreshSprint(props: Record<string, unknown>): Promise<{
  state: SprintTasksState;
  strays: string[];
}> {
  const state = (props.tasks ?? {}) as SprintTasksState;
  const exclusive = props.exclusive === true;
  const sprintId = exclusive ? sharedValue(state, "sprintId") : undefined;
  const { live, sprintTasks } = await readTasks(state, concurrencyOf(props), sprintId);
  const keyOfId = new Map(
    Object.entries(state).flatMap(([k, t]) => (t.id ? [[t.id, k] as [string, string]] : [])),
  );
  const next: SprintTasksState = {};
  for (const [key, record] of Object.entries(state)) {
    if (!record.id)
      next[key] = record; // a create whose outcome is not known: looked up by up
    else {
      const task = live.get(record.id);
      // Deleted out of band: dropped here, created again by the next up.
      if (task) next[key] = refreshedTask(record, task, keyOfId);
    }
  }
  const strays = new Set(Array.isArray(props.strayTaskIds) ? (props.strayTaskIds as string[]) : []);
  for (const t of sprintTasks ?? []) if (t.id && !keyOfId.has(t.id)) strays.add(t.id);
  return { state: next, strays: [...strays] };
}
