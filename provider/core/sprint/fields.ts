/**
 * The Sprint's field-policy table: every property of an `acp:Sprint`, once (see ../fields.ts).
 * Its inputs are the Sprint's own (the tasks' fields are a Task's: ../task/fields.ts); its
 * outputs are computed by the provider.
 */
import { z } from "zod";
import type { FieldTable } from "../fields";
import { DEFAULT_CONCURRENCY, MAX_CONCURRENCY } from "./inputs";

/** A recorded task of a Sprint, as the `tasks` output holds it (see ./state.ts). */
export const SprintTaskStateSchema = z.looseObject({
  id: z.string().optional(),
  fields: z.record(z.string(), z.unknown()),
  dependsOn: z.array(z.string()).optional(),
  ignore: z.array(z.string()).optional(),
  was: z.string().optional(),
});

/** Every property of a Sprint, in registration order. */
export const SPRINT_FIELDS = {
  tasks: {
    input: true,
    source: "state",
    inPlace: true,
    required: true,
    present: true,
    outputType: z.record(z.string(), SprintTaskStateSchema),
    doc: "The tasks by key: a Task's inputs, with dependencies named by key in `dependsOn`, fields the Sprint leaves alone after create in `ignoreChanges`, and `adoptExistingId` to take over an existing task. As an output: per task, its id and the last applied value of each declared field (a digest where the value is long).",
  },
  defaults: {
    input: true,
    source: "state",
    inPlace: true,
    doc: "Task inputs applied to every task that does not set them.",
  },
  concurrency: {
    input: true,
    source: "state",
    default: DEFAULT_CONCURRENCY,
    doc: `API requests in flight at once, 1 to ${MAX_CONCURRENCY}. The API publishes no rate limit: the default, ${DEFAULT_CONCURRENCY}, is the engine's own parallelism on a 2-core machine, and a 429 is waited out by its Retry-After.`,
  },
  exclusive: {
    input: true,
    source: "state",
    inPlace: true,
    default: false,
    doc: "Own the sprint's membership: refresh lists the tasks of the tasks' one sprintId and records those the program does not declare, which the next up deletes. Needs every task in one sprint.",
  },
  taskIds: {
    present: true,
    input: false,
    source: "provider",
    type: z.record(z.string(), z.string()),
    doc: "The tasks' ids by key: what threads and agent runs depend on.",
  },
  mermaid: {
    present: true,
    input: false,
    source: "provider",
    type: z.string(),
    doc: "The graph as a Mermaid flowchart.",
  },
  strayTaskIds: {
    input: false,
    source: "provider",
    type: z.array(z.string()),
    doc: "Tasks the next up deletes: ones the Sprint replaced or no longer declares that could not be deleted yet, and, with exclusive, tasks of the sprint that the program does not declare (found by refresh).",
  },
} as const satisfies FieldTable;
