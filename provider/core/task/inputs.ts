/** A Task's inputs: the schema check validates them with, and their type as the engine hands them over. */
import { z } from "zod";
import { Id, NonBlank, TaskCreateParams, TaskStatus, type Task as ApiTask } from "../../client";
import { TASK_INPUT_FIELDS, type TaskInputField } from "./fields";

/** A Task's inputs as the engine hands them over (after check). */
export type TaskProviderInputs = z.infer<typeof TaskInputs> & {
  /** `<project>/<stack>/<resource name>`: makes the create request's idempotency key stable. */
  __acpKey?: string;
};

/** Outputs: every field the API returned (but `id`), and which fields the program manages. */
export type TaskProviderOutputs = Omit<ApiTask, "id"> & {
  managedFields: string[];
  adoptExistingId?: string;
  __acpKey?: string;
};

/**
 * A Task's inputs: the create request's fields that the table names as inputs (the API's own
 * schema), with every status (the provider reaches `in_review` with an update) and the
 * provider's own inputs. Strict: a misspelt property is reported, not silently ignored.
 */
export const TaskInputs = TaskCreateParams.pick(
  Object.fromEntries(TASK_INPUT_FIELDS.map((f) => [f, true])) as { [K in TaskInputField]: true },
).extend({
  title: z.string({ error: "is required: give the task a non-empty title" }).pipe(NonBlank),
  status: TaskStatus.optional(),
  adoptExistingId: Id.optional(),
});

/** What check accepts: the inputs and the resource's key (see TaskProviderInputs.__acpKey). */
export const TaskCheckSchema = TaskInputs.extend({ __acpKey: z.string().optional() });
