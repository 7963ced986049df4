import { z } from "zod";
import { responseField as r } from "./common";

/**
 * An error body [assumed, shaped like the spec's 402]: `{ error, message, ... }`. The 402 body
 * carries `currentBudget` [spec]. Other fields are kept.
 */
export const ErrorBody = z.looseObject({
  error: r(z.string()),
  message: r(z.string()),
  currentBudget: r(z.number()),
  /** [assumed] Which field a 400/422 is about. */
  field: r(z.string()),
  /** [assumed] Machine-readable reason of a 409: see CONFLICT_REASONS. */
  reason: r(z.string()),
  /** [assumed] On a 409 already-started: the task's existing thread. */
  threadId: r(z.string()),
  /** [assumed] On a 409 blocked: the dependencies that are not done yet. */
  blockingTaskIds: r(z.array(z.string())),
  /** [assumed] On a 409 has-dependents: the tasks that depend on the one being deleted. */
  dependentTaskIds: r(z.array(z.string())),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
