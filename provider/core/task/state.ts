/**
 * What a Task records in the state: the task as the API returns it, the inputs the API cannot
 * hold, the managed fields; the inputs refresh reads back; and its create's idempotency key.
 */
import { type Task as ApiTask, type TaskCreateParams } from "../../client";
import { canonicalJson, definedOnly, stableKey } from "../compare";
import { fieldsWhere } from "../fields";
import { withoutProviderMetadata } from "../run-tag";
import { TASK_FIELDS, TASK_INPUT_FIELDS } from "./fields";
import type { TaskProviderOutputs } from "./inputs";

/** The inputs a program sets: the fields it manages. */
export function managedFieldsOf(inputs: Record<string, unknown>): string[] {
  return TASK_INPUT_FIELDS.filter((f) => inputs[f] !== undefined && inputs[f] !== null);
}

/** What the state keeps that the API does not hold: the table's `state` inputs, and the resource's key. */
export const RECORDED = [...fieldsWhere(TASK_FIELDS, (p) => p.source === "state"), "__acpKey"];
/** What the provider computes: not the API's. */
export const COMPUTED = fieldsWhere(TASK_FIELDS, (p) => p.source === "provider");

/** The recorded values (see RECORDED) among `values`. */
export function recordedOf(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(RECORDED.filter((f) => values[f]).map((f) => [f, values[f]]));
}

/** Builds the state's outputs from a task the API returned. */
export function taskOutputs(
  task: ApiTask,
  managedFields: string[],
  recorded: Record<string, unknown>,
): TaskProviderOutputs {
  const { id: _id, ...fields } = definedOnly(task);
  // A fast run's tag is the server's business only (see run-tag.ts).
  if (fields.metadata !== undefined) fields.metadata = withoutProviderMetadata(fields.metadata);
  return { ...fields, managedFields, ...recordedOf(recorded) } as TaskProviderOutputs;
}

/** The fields of a task that a program manages, as inputs (what refresh writes back). */
export function liveInputs(
  task: ApiTask,
  managed: readonly string[],
  olds: Record<string, unknown>,
) {
  const inputs: Record<string, unknown> = {};
  for (const field of managed) {
    const value = (task as Record<string, unknown>)[field];
    if (value !== undefined && value !== null) inputs[field] = withoutProviderMetadata(value);
  }
  inputs.title ??= task.title;
  return { ...inputs, ...recordedOf(olds) };
}

/**
 * The create request's Idempotency-Key: the same resource creating the same task gets the same
 * key, so a create whose response was lost (or an update interrupted and run again) is answered
 * with the task it already made instead of a second one.
 */
export function createIdempotencyKey(
  acpKey: string | undefined,
  body: TaskCreateParams,
): string | undefined {
  if (!acpKey) return undefined;
  return stableKey("pulumi-acp-task-", 48, [acpKey, canonicalJson(body)]);
}
