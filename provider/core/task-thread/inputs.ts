/**
 * A TaskThread's inputs: the zod schema check validates them with (the run-thread request's own
 * fields and the provider's), and their type as the engine hands them over.
 */
import { z } from "zod";
import { Id, RunThreadParams } from "../../client";
import { ON_BLOCKED, THREAD_MODES, type ThreadMode } from "./fields";

/** A TaskThread's inputs as the engine hands them over (after check). */
export type TaskThreadProviderInputs = z.infer<typeof TaskThreadInputs> & {
  /** `<project>/<stack>/<resource name>`: makes a start-thread's idempotency key stable. */
  __acpKey?: string;
};

/**
 * A TaskThread's inputs but the task: the run-thread request's own fields (the API's schema)
 * and the provider's. Strict: a misspelt property is reported. A TaskGraph's and a sprint
 * file's `thread` is this object.
 */
export const ThreadSettings = RunThreadParams.pick({
  agentId: true,
  environmentId: true,
  moveToInProgress: true,
  metadata: true,
  message: true,
}).extend({
  mode: z.enum(THREAD_MODES).optional(),
  title: z.string().optional(),
  triggers: z
    .array(z.unknown(), { error: 'must be a list of JSON values, e.g. ["release-2"]' })
    .optional(),
  onBlocked: z.enum(ON_BLOCKED).optional(),
  waitTimeoutSeconds: z.number().finite().min(0, { error: "must be 0 or more seconds" }).optional(),
  pollIntervalSeconds: z
    .number()
    .finite()
    .min(0.05, { error: "must be at least 0.05 seconds" })
    .optional(),
});

/** A TaskThread's inputs: the task to work on and the thread's settings. */
export const TaskThreadInputs = ThreadSettings.extend({
  taskId: z.string({ error: "is required: the id of the task to work on" }).pipe(Id),
});

/** A message is the prompt of a run: start-thread takes none. */
function messageNeedsRun(v: { mode?: ThreadMode; message?: string }, ctx: z.RefinementCtx): void {
  if (v.message !== undefined && (v.mode ?? "start") === "start") {
    ctx.addIssue({
      code: "custom",
      path: ["message"],
      message:
        'is used only with mode "run" (start-thread takes no message): set mode: "run" or remove message',
    });
  }
}

/** What check accepts: the inputs and the resource's key (see TaskThreadProviderInputs.__acpKey). */
export const TaskThreadCheckSchema = TaskThreadInputs.extend({
  __acpKey: z.string().optional(),
}).superRefine(messageNeedsRun);
