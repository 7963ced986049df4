/** A TaskThread's outputs: the thread as the API returns it, the recorded inputs, and the call's results. */
import type { Execution, Task as ApiTask, Thread } from "../../client";
import { definedOnly } from "../compare";
import { fieldsWhere, type FieldPolicy } from "../fields";
import { withoutProviderMetadata } from "../run-tag";
import { TASK_THREAD_FIELDS } from "./fields";
import type { TaskThreadProviderInputs } from "./inputs";

/** The TaskThread's table, by field. */
export const POLICIES: Readonly<Record<string, FieldPolicy>> = TASK_THREAD_FIELDS;
/** Inputs recorded as the program gave them: the API cannot return them. */
const RECORDED_INPUTS = fieldsWhere(
  TASK_THREAD_FIELDS,
  (p) => p.input && (p.source === "state" || p.echo === true),
);
/** Outputs kept from the call that made the thread: the API cannot return them again. */
const CALL_RESULTS = fieldsWhere(TASK_THREAD_FIELDS, (p) => p.source === "call");

/** The outputs of a thread: the API's fields under the resource's names, the recorded inputs, and the call's results. */
export function threadOutputs(
  thread: Thread,
  inputs: TaskThreadProviderInputs,
  extra: { task?: ApiTask | null; execution?: Execution | null; subtaskIds?: string[] },
): Record<string, unknown> {
  const outs: Record<string, unknown> = { ...definedOnly(thread) };
  delete outs.id;
  // A fast run's tag is the server's business only (see run-tag.ts).
  if (outs.metadata !== undefined) outs.metadata = withoutProviderMetadata(outs.metadata);
  // A renamed property (the thread's `task` is its prompt text; the resource's `taskId` is the
  // task's id) is recorded under the resource's name only.
  for (const [field, policy] of Object.entries(POLICIES)) {
    if (!policy.apiName) continue;
    const value = outs[policy.apiName];
    delete outs[policy.apiName];
    if (value !== undefined) outs[field] = value;
  }
  const given = inputs as unknown as Record<string, unknown>;
  for (const field of RECORDED_INPUTS) {
    const value = given[field] ?? POLICIES[field].default;
    if (value !== undefined) outs[field] = value;
  }
  if (extra.task?.status) outs.taskStatus = extra.task.status;
  if (extra.execution) outs.execution = definedOnly(extra.execution);
  if (extra.subtaskIds) outs.subtaskIds = extra.subtaskIds;
  return outs;
}

/**
 * What the thread's creation returned (the task's status then, the execution, the subtasks)
 * cannot be read back from the API: carry it over from the previous outputs.
 */
export function keepCallResults(
  outs: Record<string, unknown>,
  previous: Record<string, unknown>,
): void {
  for (const key of CALL_RESULTS) {
    if (previous[key] !== undefined) outs[key] = previous[key];
  }
}
