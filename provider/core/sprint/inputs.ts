/**
 * A Sprint's inputs: the tasks by key (a Task's inputs with dependencies named by key), the
 * defaults every task takes, and how the provider applies them. The schema check validates
 * with, and the types the other parts of the core work on.
 */
import { z } from "zod";
import { TaskInputs } from "../task/inputs";
import { TASK_INPUT_FIELDS } from "../task/fields";

/**
 * The task fields a Sprint's task sets: a Task's inputs, but its dependencies, which are named
 * by key (`dependsOn`), and its `adoptExistingId`, which is the Sprint task's own.
 */
export const SPRINT_TASK_FIELDS = TASK_INPUT_FIELDS.filter((f) => f !== "dependencyIds");
/** A task field a Sprint's task sets through the API. */
export type SprintTaskField = (typeof SPRINT_TASK_FIELDS)[number];

/**
 * The number of API requests a Sprint has in flight at once unless `concurrency` says
 * otherwise. The API's pages publish no rate limit; 8 is the engine's own default parallelism
 * on a 2-core machine, so a Sprint puts no more load on the API than the same tasks applied as
 * one resource each, and the client waits out any 429 by its Retry-After.
 */
export const DEFAULT_CONCURRENCY = 8;
/** The most requests a Sprint may have in flight at once. */
export const MAX_CONCURRENCY = 64;

/** One task of a Sprint, as check accepts it. Strict: a misspelt property is reported. */
export const SprintTaskInputs = TaskInputs.omit({ dependencyIds: true }).extend({
  dependsOn: z.array(z.string()).optional(),
  ignoreChanges: z
    .array(z.enum(SPRINT_TASK_FIELDS as [SprintTaskField, ...SprintTaskField[]]), {
      error: `lists a field that is not a task input: name fields among ${SPRINT_TASK_FIELDS.join(", ")}`,
    })
    .optional(),
});
export type SprintTaskInputs = z.infer<typeof SprintTaskInputs>;

/** The Task inputs applied to every task of the Sprint that does not set them. */
export const SprintDefaults = TaskInputs.omit({
  title: true,
  dependencyIds: true,
  adoptExistingId: true,
}).partial();
export type SprintDefaults = z.infer<typeof SprintDefaults>;

/** A Sprint's inputs. */
export const SprintInputs = z.strictObject({
  tasks: z.record(z.string().min(1, { error: "a task key must not be empty" }), SprintTaskInputs),
  defaults: SprintDefaults.optional(),
  concurrency: z.number().int().min(1).max(MAX_CONCURRENCY).optional(),
  exclusive: z.boolean().optional(),
});
export type SprintInputs = z.infer<typeof SprintInputs>;

/** One task as the Sprint applies it: the defaults under the task's own values. */
export interface DeclaredTask {
  key: string;
  /** The task's API fields, defaults applied (no `dependencyIds`: see `dependsOn`). */
  values: Record<string, unknown>;
  /** Keys of the tasks it depends on, each once. */
  dependsOn: string[];
  /** Fields whose changes on the server the Sprint leaves alone after create. */
  ignoreChanges: string[];
  /** An existing task to adopt instead of creating one. */
  adoptExistingId?: string;
}

/** The tasks of `inputs`, in declaration order, with the defaults applied. */
export function declaredTasks(inputs: Record<string, unknown>): DeclaredTask[] {
  const tasks = (inputs.tasks ?? {}) as Record<string, Record<string, unknown>>;
  const defaults = (inputs.defaults ?? {}) as Record<string, unknown>;
  return Object.entries(tasks).map(([key, task]) => {
    const values: Record<string, unknown> = {};
    for (const field of SPRINT_TASK_FIELDS) {
      const value = task[field] ?? defaults[field];
      if (value !== undefined && value !== null) values[field] = value;
    }
    return {
      key,
      values,
      dependsOn: [...new Set(Array.isArray(task.dependsOn) ? (task.dependsOn as string[]) : [])],
      ignoreChanges: Array.isArray(task.ignoreChanges) ? (task.ignoreChanges as string[]) : [],
      adoptExistingId: typeof task.adoptExistingId === "string" ? task.adoptExistingId : undefined,
    };
  });
}

/** The number of requests in flight at once for these inputs (or recorded outputs). */
export function concurrencyOf(props: Record<string, unknown>): number {
  const n = props.concurrency;
  return typeof n === "number" && Number.isInteger(n) && n >= 1
    ? Math.min(n, MAX_CONCURRENCY)
    : DEFAULT_CONCURRENCY;
}
