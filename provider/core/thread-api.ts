/**
 * What both thread kinds (TaskThread and Thread) do to a thread once it exists: update its
 * in-place fields (`PATCH /v1/threads/{id}`), delete it, and say which inputs refresh reads back.
 */
import { NotFoundError, type Thread } from "../client";
import { describeError } from "./errors";
import { fieldEqual, fieldsWhere, type FieldTable } from "./fields";
import { acpClient } from "./settings";

/** The inputs of `table` that an update changes in place, whose new value differs: the PATCH body. */
export function inPlaceChanges(
  table: FieldTable,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const field of fieldsWhere(table, (p) => p.input && p.inPlace === true)) {
    const next = news[field];
    if (next !== undefined && !fieldEqual(table[field], next, olds[field])) patch[field] = next;
  }
  return patch;
}

/**
 * Updates thread `id` with `patch`, or reads it when there is nothing to change; `after` may
 * change it further. Failures name the thread.
 */
export async function patchThread(
  id: string,
  patch: Record<string, unknown>,
  after: (thread: Thread) => Promise<Thread> = async (thread) => thread,
): Promise<Thread> {
  try {
    const thread =
      Object.keys(patch).length > 0
        ? await acpClient().threads.update(id, patch)
        : await acpClient().threads.retrieve(id);
    return await after(thread);
  } catch (err) {
    throw describeError(err, `updating thread ${id}`);
  }
}

/** Deletes thread `id`; one already gone counts as deleted (the goal of a delete). */
export async function deleteThread(id: string): Promise<void> {
  try {
    await acpClient().threads.delete(id);
  } catch (err) {
    if (NotFoundError.isInstance(err)) return;
    throw describeError(err, `deleting thread ${id}`);
  }
}

/**
 * The inputs as refresh reports them: the recorded ones, with the in-place fields the program
 * sets as the thread now has them (so that a change made outside shows as drift).
 */
export function liveInputs(
  table: FieldTable,
  inputs: Record<string, unknown>,
  outs: Record<string, unknown>,
): Record<string, unknown> {
  const live: Record<string, unknown> = { ...inputs };
  for (const field of fieldsWhere(table, (p) => p.input && p.inPlace === true)) {
    if (inputs[field] !== undefined && outs[field] != null) live[field] = outs[field];
  }
  return live;
}
