/**
 * What a Sprint must do to its tasks, from the recorded state and the declared tasks: which
 * tasks to create, re-create (their project changed), update (and which fields), and delete.
 * diff shows it as a detailed diff by property path; update carries it out. Comparisons, what a
 * field clears to and whether a change re-creates the task all come from the Task's field
 * table (../task/fields.ts).
 */
import { containsUnknown } from "../compare";
import type { FieldPolicy } from "../fields";
import { TASK_FIELDS } from "../task/fields";
import type { PropertyDiff } from "../types";
import type { DeclaredTask } from "./inputs";
import { sameAsRecorded, sameDependsOn, type SprintTasksState } from "./state";

const policies: Record<string, FieldPolicy> = TASK_FIELDS;
/** The task fields whose change creates the task again (`projectId`). */
const RECREATING = new Set(Object.keys(policies).filter((f) => policies[f].replaces));

/** The work on one declared task. */
export interface TaskWork {
  key: string;
  /** `create`: no task yet; `recreate`: a field that cannot change in place did; `update`: PATCH. */
  kind: "create" | "recreate" | "update";
  /** Declared fields whose value differs from the recorded one (all declared ones for a create). */
  changed: string[];
  /** Fields recorded but no longer declared: cleared where the API can clear them. */
  cleared: string[];
  /** The dependencies by key changed. */
  dependsOn: boolean;
}

/** Everything a Sprint must do. */
export interface SprintPlan {
  work: TaskWork[];
  /** Recorded tasks the program no longer declares. */
  removed: string[];
}

/** The changes of one declared task against its recorded state (undefined when it has none). */
export function taskWork(state: SprintTasksState, task: DeclaredTask): TaskWork | undefined {
  const recorded = state[task.key];
  if (!recorded?.id) {
    return {
      key: task.key,
      kind: "create",
      changed: Object.keys(task.values),
      cleared: [],
      dependsOn: task.dependsOn.length > 0,
    };
  }
  const ignored = new Set(task.ignoreChanges);
  const changed: string[] = [];
  const cleared: string[] = [];
  let recreate = false;
  for (const [field, value] of Object.entries(task.values)) {
    if (ignored.has(field) && field in recorded.fields) continue;
    if (
      containsUnknown(value) ||
      !(field in recorded.fields) ||
      !sameAsRecorded(field, recorded.fields[field], value)
    ) {
      changed.push(field);
      if (policies[field]?.replaces) recreate = true;
    }
  }
  for (const field of Object.keys(recorded.fields)) {
    if (field in task.values || ignored.has(field)) continue;
    const policy = policies[field];
    if (policy?.replaces) {
      recreate = true;
      changed.push(field);
    } else if (policy?.clearable) cleared.push(field);
  }
  const dependsOn =
    containsUnknown(task.dependsOn) || !sameDependsOn(recorded.dependsOn, task.dependsOn);
  if (changed.length + cleared.length === 0 && !dependsOn) return undefined;
  return { key: task.key, kind: recreate ? "recreate" : "update", changed, cleared, dependsOn };
}

/** The work a Sprint must do to go from `state` to the `declared` tasks. */
export function planSprint(state: SprintTasksState, declared: readonly DeclaredTask[]): SprintPlan {
  const keys = new Set(declared.map((t) => t.key));
  const work = declared.map((t) => taskWork(state, t)).filter((w): w is TaskWork => !!w);
  const removed = Object.keys(state).filter((k) => !keys.has(k));
  return { work, removed };
}

/** How the engine is told a property changed (the protocol's PropertyDiff kinds, by name). */
export type PropertyChange = PropertyDiff["kind"];
export type { PropertyDiff };

/** What a preview says of a task created again inside the Sprint (`fields`: what changed). */
export function recreateNote(key: string, fields: readonly string[]): string {
  const which = fields.filter((f) => RECREATING.has(f));
  return `${taskPath(key)} is created again inside the Sprint (a new task id; the old task is deleted and its dependents point to the new one): ${which.length > 0 ? which.join(", ") : "a field that cannot change in place"} changed; the Sprint itself is not replaced`;
}

/** The property path of a task's field: `tasks["build"].title`. */
export function taskPath(key: string, field?: string): string {
  return `tasks[${JSON.stringify(key)}]${field ? `.${field}` : ""}`;
}

/**
 * The plan as a detailed diff by property path: `tasks["k"]` added or deleted, and
 * `tasks["k"].field` updated (a re-created task shows the fields that re-create it).
 */
export function detailedDiffOf(plan: SprintPlan): Record<string, PropertyDiff> {
  const diff: Record<string, PropertyDiff> = {};
  const entry = (kind: PropertyChange): PropertyDiff => ({ kind, replace: false });
  for (const w of plan.work) {
    if (w.kind === "create") {
      diff[taskPath(w.key)] = entry("add");
      continue;
    }
    for (const field of w.changed) diff[taskPath(w.key, field)] = entry("update");
    for (const field of w.cleared) diff[taskPath(w.key, field)] = entry("delete");
    if (w.dependsOn) diff[taskPath(w.key, "dependsOn")] = entry("update");
  }
  for (const key of plan.removed) diff[taskPath(key)] = entry("delete");
  return diff;
}
