/**
 * How a Sprint brings its tasks to what the program declares: attempts of creates (in
 * dependency order), updates (one PATCH per changed task, only the changed fields) and deletes
 * (dependents first), each at most `concurrency` calls at once, until nothing is left to do or an
 * attempt makes no progress. The state is kept as calls succeed, so a failure loses nothing.
 */
import { ConflictError, NotFoundError, type TaskUpdateParams } from "../../client";
import { describeError } from "../errors";
import { reportProgress } from "../progress";
import type { FieldPolicy } from "../fields";
import { acpClient } from "../settings";
import { TASK_FIELDS } from "../task/fields";
import { createTask, findCreated, foundTask, UncertainCreate, type SprintIdentity } from "./create";
import type { DeclaredTask } from "./inputs";
import { planSprint, type TaskWork } from "./plan";
import { inOrder, inPool } from "./scheduler";
import { recordDependsOn, recordedDependsOn, recordValue, type SprintTasksState } from "./state";

const policies: Record<string, FieldPolicy> = TASK_FIELDS;

/**
 * The most attempts one apply makes while each still makes progress (or has creates whose
 * outcome is unknown, to look up): a deep graph under faults advances a few layers per attempt.
 */
const MAX_ATTEMPTS = 100;

/** One apply of a Sprint: its tasks' state (kept as calls succeed) and what is left to do. */
export interface SprintApply {
  who: SprintIdentity;
  declared: DeclaredTask[];
  concurrency: number;
  state: SprintTasksState;
  /** Ids of tasks to delete that the program does not declare (replaced, or found by refresh). */
  strays: string[];
  /** Keys whose dependencies' ids changed (a dependency was re-created): their PATCH sets them. */
  dirty: Set<string>;
  /** The errors of the last attempt, by task key or id. */
  errors: Map<string, Error>;
  /** Calls that succeeded, over all attempts. */
  progress: number;
  /** Creates whose outcome is not known, over all attempts: worth another attempt. */
  uncertain: number;
}

/** Runs attempts until the tasks are as declared or an attempt changes nothing. */
export async function applySprint(run: SprintApply): Promise<void> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const before = run.progress + run.uncertain;
    run.errors.clear();
    // Tasks whose create's answer was lost are looked for first: a task found is not made again.
    await lookUpUncertain(run);
    const plan = planSprint(run.state, run.declared);
    if (plan.work.length + plan.removed.length + run.strays.length + run.dirty.size === 0) return;
    reportProgress(progressOf(plan.work, plan.removed.length + run.strays.length, attempt));
    await createAll(
      run,
      plan.work.filter((w) => w.kind !== "update"),
    );
    await updateAll(run, plan.work);
    await deleteAll(run, plan.removed);
    if (run.progress + run.uncertain === before) return;
  }
}

/** What an attempt is about to do, as the resource's status shows it. */
function progressOf(work: TaskWork[], deletes: number, attempt: number): string {
  const creates = work.filter((w) => w.kind !== "update").length;
  const parts = [
    creates ? `${creates} to create` : "",
    work.length - creates ? `${work.length - creates} to update` : "",
    deletes ? `${deletes} to delete` : "",
  ].filter(Boolean);
  return `tasks: ${parts.join(", ")}${attempt > 0 ? ` (attempt ${attempt + 1})` : ""}`;
}

const byKey = (run: SprintApply) => new Map(run.declared.map((t) => [t.key, t]));

/** Tasks whose create's answer was lost: adopted when the API made them after all. */
async function lookUpUncertain(run: SprintApply): Promise<void> {
  const declared = byKey(run);
  // A task no longer declared is looked for too (listing every task): it may exist, to delete.
  const uncertain = Object.entries(run.state)
    .filter(([key, s]) => !s.id && !declared.get(key)?.adoptExistingId)
    .map(([key]) => declared.get(key) ?? { key, values: {}, dependsOn: [], ignoreChanges: [] });
  if (uncertain.length === 0) return;
  const exclude = new Set(Object.values(run.state).flatMap((s) => (s.was ? [s.was] : [])));
  let found;
  try {
    found = await findCreated(run.who, uncertain, exclude);
  } catch (err) {
    for (const t of uncertain) run.errors.set(t.key, describeError(err, "listing tasks"));
    return;
  }
  for (const [key, live] of found) {
    const was = run.state[key].was;
    const task = declared.get(key) ?? { key, values: {}, dependsOn: [], ignoreChanges: [] };
    run.state[key] = foundTask(task, live);
    if (was) markDependentsDirty(run, key);
    run.progress++;
  }
}

function markDependentsDirty(run: SprintApply, key: string): void {
  for (const t of run.declared) if (t.dependsOn.includes(key)) run.dirty.add(t.key);
}

/** Creates (and re-creates) tasks in dependency order. */
async function createAll(run: SprintApply, work: TaskWork[]): Promise<void> {
  if (work.length === 0) return;
  const declared = byKey(run);
  const calls = work.map((w) => ({ key: w.key, after: declared.get(w.key)?.dependsOn ?? [] }));
  const outcome = await inOrder(calls, run.concurrency, async (key) => {
    const task = declared.get(key) as DeclaredTask;
    const ids = task.dependsOn.map((d) => run.state[d]?.id);
    if (ids.some((id) => !id)) throw new Error(`task "${key}" waits for its dependencies`);
    const old = run.state[key];
    const was = old?.id ?? old?.was;
    try {
      run.state[key] = { ...(await createTask(run.who, task, ids as string[], was)) };
    } catch (err) {
      // Not known whether the task was made: recorded without an id, looked up next.
      if (err instanceof UncertainCreate) {
        run.state[key] = { fields: {}, ...(was ? { was } : {}) };
        run.uncertain++;
      }
      throw err;
    }
    run.progress++;
    if (old?.id) run.strays.push(old.id);
    if (was) markDependentsDirty(run, key);
  });
  for (const [key, err] of outcome.failed) run.errors.set(key, err);
  for (const key of outcome.blocked) {
    run.errors.set(key, new Error(`task "${key}" was not created: a task it depends on failed`));
  }
}

/** The PATCH that makes a task as declared: only its changed fields. */
function patchOf(run: SprintApply, task: DeclaredTask, w: TaskWork): TaskUpdateParams | undefined {
  const patch: Record<string, unknown> = {};
  for (const field of w.changed) {
    if (policies[field]?.inPlace) patch[field] = task.values[field];
  }
  for (const field of w.cleared) patch[field] = policies[field]?.clearWith ?? null;
  if (w.dependsOn || run.dirty.has(task.key)) {
    const ids = task.dependsOn.map((d) => run.state[d]?.id);
    if (ids.some((id) => !id)) return undefined;
    patch.dependencyIds = ids;
  }
  return patch as TaskUpdateParams;
}

/** One PATCH per changed task. A task deleted out of band is created again by the next attempt. */
async function updateAll(run: SprintApply, work: TaskWork[]): Promise<void> {
  const declared = byKey(run);
  const updates = work.filter((w) => w.kind === "update" && run.state[w.key]?.id);
  // Dependents of a task re-created just now point at its old id: their PATCH sets the new one.
  for (const key of run.dirty) {
    if (!updates.some((w) => w.key === key) && run.state[key]?.id && declared.has(key)) {
      updates.push({ key, kind: "update", changed: [], cleared: [], dependsOn: true });
    }
  }
  const errors = await inPool(updates, run.concurrency, async (w) => {
    const task = declared.get(w.key) as DeclaredTask;
    const record = run.state[w.key];
    const id = record.id as string;
    const patch = patchOf(run, task, w);
    if (!patch) throw new Error(`task "${w.key}" waits for its dependencies to be created`);
    if (Object.keys(patch).length > 0) {
      try {
        await acpClient().tasks.update(id, patch);
      } catch (err) {
        if (NotFoundError.isInstance(err)) {
          run.state[w.key] = { fields: {}, was: id };
          markDependentsDirty(run, w.key);
          run.progress++;
          return;
        }
        throw describeError(err, `updating task "${w.key}" (${Object.keys(patch).join(", ")})`);
      }
    }
    for (const field of w.changed) record.fields[field] = recordValue(field, task.values[field]);
    for (const field of w.cleared) delete record.fields[field];
    const deps = recordDependsOn(task.dependsOn);
    if (deps === undefined) delete record.dependsOn;
    else record.dependsOn = deps;
    record.ignore = task.ignoreChanges.length > 0 ? [...task.ignoreChanges].sort() : undefined;
    if (record.ignore === undefined) delete record.ignore;
    run.dirty.delete(w.key);
    run.progress++;
  });
  for (const [i, err] of errors) run.errors.set(updates[i].key, err);
}

/** Marks a stray's id among the keys of a delete's schedule (no task key starts with NUL). */
const STRAY = "\0stray:";

/** Deletes removed tasks and strays, dependents first. */
async function deleteAll(run: SprintApply, removed: string[]): Promise<void> {
  const gone = new Set(removed);
  const calls = [
    ...removed.map((key) => ({
      key,
      // A task is deleted after the removed tasks that depend on it.
      after: removed.filter((k) => recordedDependsOn(run.state[k])?.includes(key)),
    })),
    ...run.strays.map((id) => ({ key: `${STRAY}${id}`, after: [] })),
  ];
  if (calls.length === 0) return;
  const outcome = await inOrder(calls, run.concurrency, async (call) => {
    const stray = call.startsWith(STRAY) ? call.slice(STRAY.length) : undefined;
    const id = stray ?? run.state[call]?.id;
    if (id) await deleteTask(id, stray ? "no longer declared" : `"${call}"`);
    if (stray) run.strays = run.strays.filter((s) => s !== stray);
    else if (gone.has(call)) delete run.state[call];
    run.progress++;
  });
  const name = (key: string) => (key.startsWith(STRAY) ? key.slice(STRAY.length) : key);
  for (const [key, err] of outcome.failed) run.errors.set(name(key), err);
  for (const key of outcome.blocked) {
    run.errors.set(
      name(key),
      new Error(`task "${key}" was not deleted: a task that depends on it was not`),
    );
  }
}

/** Deletes one task; one already gone counts as deleted. */
export async function deleteTask(id: string, what: string): Promise<void> {
  try {
    await acpClient().tasks.delete(id);
  } catch (err) {
    if (NotFoundError.isInstance(err)) return;
    if (ConflictError.isInstance(err)) {
      throw describeError(err, `deleting task ${what} (${id}): other tasks still depend on it`);
    }
    throw describeError(err, `deleting task ${what} (${id})`);
  }
}
