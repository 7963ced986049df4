/**
 * The TaskThread provider core: a thread in which an agent works on a task, started with
 * start-thread (the task's first thread) or run-thread (a new thread whose prompt runs
 * synchronously), for both front doors. Its field knowledge comes from the table in ./fields.ts.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import {
  ConflictError,
  CONFLICT_REASONS,
  Id,
  NotFoundError,
  RunThreadParams,
  type Execution,
  type RunThreadResponse,
  type ThreadUpdateParams,
  type Task as ApiTask,
  type Thread,
} from "../../client";
import { threadExists } from "../lookup";
import { acpClient } from "../settings";
import { waitReporter } from "../progress";
import {
  canonicalJson,
  containsUnknown,
  definedOnly,
  stableKey,
  UNKNOWN,
  withoutUnknowns,
} from "../compare";
import { checkFailures, describeError } from "../errors";
import { diffFields, fieldEqual, fieldsWhere, type FieldPolicy } from "../fields";
import {
  hasPendingWork,
  markedMetadata,
  pendingWorkMarker,
  PENDING_WORK_KEY,
  reservedMetadataFailures,
  taskToAdopt,
  withoutPendingWork,
  withoutRunMarker,
} from "../run-marker";
import type {
  CheckResult,
  CreateResult,
  DiffResult,
  Props,
  ReadResult,
  ResourceCore,
  UpdateResult,
} from "../types";
import {
  DEFAULT_POLL_INTERVAL_SECONDS,
  DEFAULT_WAIT_TIMEOUT_SECONDS,
  ON_BLOCKED,
  TASK_THREAD_FIELDS,
  TASK_THREAD_INPUT_FIELDS,
  THREAD_MODES,
  type OnBlocked,
  type ThreadMode,
} from "./fields";

export {
  DEFAULT_POLL_INTERVAL_SECONDS,
  DEFAULT_WAIT_TIMEOUT_SECONDS,
  ON_BLOCKED,
  THREAD_MODES,
  type OnBlocked,
  type ThreadMode,
};

const POLICIES: Readonly<Record<string, FieldPolicy>> = TASK_THREAD_FIELDS;
/** Inputs updated in place (`PATCH /v1/threads/{id}`). */
const IN_PLACE_FIELDS = fieldsWhere(TASK_THREAD_FIELDS, (p) => p.input && p.inPlace === true);
/** Inputs recorded as the program gave them: the API cannot return them. */
const RECORDED_INPUTS = fieldsWhere(
  TASK_THREAD_FIELDS,
  (p) => p.input && (p.source === "state" || p.echo === true),
);
/** Outputs kept from the call that made the thread: the API cannot return them again. */
const CALL_RESULTS = fieldsWhere(TASK_THREAD_FIELDS, (p) => p.source === "call");

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
const TaskThreadCheckSchema = TaskThreadInputs.extend({
  __acpKey: z.string().optional(),
}).superRefine(messageNeedsRun);

function threadOutputs(
  thread: Thread,
  inputs: TaskThreadProviderInputs,
  extra: { task?: ApiTask | null; execution?: Execution | null; subtaskIds?: string[] },
): Record<string, unknown> {
  const outs: Record<string, unknown> = { ...definedOnly(thread) };
  delete outs.id;
  // A fast run's marker is the server's business only (see run-marker.ts).
  if (outs.metadata !== undefined) outs.metadata = withoutRunMarker(outs.metadata);
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

/** The stable part of a start-thread's Idempotency-Key, when the resource has a key. */
function threadStartKey(
  resourceKey: string | undefined,
  taskId: string,
  body: object,
): string | undefined {
  if (!resourceKey) return undefined;
  return stableKey("pulumi-acp-start-", 40, [resourceKey, taskId, canonicalJson(body)]);
}

/**
 * A run thread of `taskId` that carries the pending marker `marker` and did not fail: paid work
 * of this resource whose create did not finish (see run-marker.ts), with the task as it is now.
 */
async function findPendingRun(
  taskId: string,
  marker: string,
): Promise<{ thread: Thread; task: ApiTask } | undefined> {
  const client = acpClient();
  const task = await client.tasks.retrieve(taskId);
  // Newest first: a run made by the last attempt is linked last.
  for (const threadId of [...(task.linkedThreadIds ?? [])].reverse()) {
    let thread: Thread;
    try {
      thread = await client.threads.retrieve(threadId);
    } catch (err) {
      if (NotFoundError.isInstance(err)) continue;
      throw err;
    }
    if (
      hasPendingWork(thread.metadata, marker) &&
      thread.status !== "failed" &&
      thread.status !== "cancelled"
    )
      return { thread, task };
  }
  return undefined;
}

/**
 * What the thread's creation returned (the task's status then, the execution, the subtasks)
 * cannot be read back from the API: carry it over from the previous outputs.
 */
function keepCallResults(outs: Record<string, unknown>, previous: Record<string, unknown>): void {
  for (const key of CALL_RESULTS) {
    if (previous[key] !== undefined) outs[key] = previous[key];
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The TaskThread provider's implementation. */
export class TaskThreadProviderImpl implements ResourceCore<
  TaskThreadProviderInputs & Props,
  Props
> {
  async check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult> {
    return {
      inputs: news,
      failures: [
        ...checkFailures(
          TaskThreadCheckSchema.safeParse({
            ...withoutUnknowns(news),
            // A task id not known yet is still a task id.
            ...(containsUnknown(news.taskId) ? { taskId: "unknown" } : {}),
          }),
        ),
        ...reservedMetadataFailures(news.metadata),
      ],
    };
  }

  async diff(
    _id: string,
    olds: Record<string, unknown>,
    news: TaskThreadProviderInputs & Record<string, unknown>,
  ): Promise<DiffResult> {
    // An imported thread has no record of how it was made (its mode and prompt): it takes the
    // program's, instead of being replaced for them.
    const recorded = olds.mode === undefined ? { ...olds, ...importedSettings(news) } : olds;
    const { replaces, changed } = diffFields(TASK_THREAD_FIELDS, recorded, news);
    // A run whose agent failed is run again by the next update.
    const execution = olds.execution as Execution | undefined;
    if (execution && execution.success === false && !replaces.includes("message"))
      replaces.push("message");
    // A task has one start-thread: the old thread must go before a new one can be started.
    const startMode = (olds.mode ?? "start") === "start" || (news.mode ?? "start") === "start";
    return {
      changes: replaces.length + changed.length > 0,
      replaces,
      deleteBeforeReplace: replaces.length > 0 && startMode,
    };
  }

  /**
   * Starts or runs the thread. `resourceKey` stands in for an `__acpKey` input where the front
   * door knows the resource's name without one (the plugin's URN).
   */
  async create(
    inputs: TaskThreadProviderInputs,
    context: { resourceKey?: string } = {},
  ): Promise<CreateResult> {
    const client = acpClient();
    const mode = inputs.mode ?? "start";
    const resourceKey = inputs.__acpKey ?? context.resourceKey;
    // A thread that a killed fast run made for this resource (found by the repair): adopted,
    // never started or run again.
    const orphan = taskToAdopt(resourceKey);
    if (orphan) {
      const found = await this.read(orphan, inputs as unknown as Record<string, unknown>);
      if (found.id) return { id: orphan, outs: found.props ?? {} };
    }
    const metadata = markedMetadata(inputs.metadata, resourceKey);
    const common = {
      ...(inputs.agentId !== undefined ? { agentId: inputs.agentId } : {}),
      ...(inputs.environmentId !== undefined ? { environmentId: inputs.environmentId } : {}),
      ...(inputs.moveToInProgress !== undefined
        ? { moveToInProgress: inputs.moveToInProgress }
        : {}),
      ...(metadata !== undefined ? { metadata } : {}),
    };
    const waitMs =
      inputs.onBlocked === "wait"
        ? (inputs.waitTimeoutSeconds ?? DEFAULT_WAIT_TIMEOUT_SECONDS) * 1000
        : 0;
    const pollMs = (inputs.pollIntervalSeconds ?? DEFAULT_POLL_INTERVAL_SECONDS) * 1000;
    const deadline = Date.now() + waitMs;
    const doing = `${mode === "run" ? "running" : "starting"} a thread on task ${inputs.taskId}`;
    // Shown by the engine as the resource's status while the task is blocked.
    const reportBlocked = waitReporter(`task ${inputs.taskId}`, waitMs / 1000);
    // A start-thread's key is stable for this resource and these inputs, so that one whose
    // answer was lost, even to a killed engine, is answered with the thread it started. Each
    // attempt on a blocked task has its own key: a refusal must not be replayed to the next.
    // A run's key is fresh: running a prompt again is what replacing a run thread asks for.
    let startKey =
      mode === "start" ? threadStartKey(resourceKey, inputs.taskId, common) : undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        const idempotencyKey = startKey
          ? `${startKey}-${attempt}`
          : `pulumi-acp-thread-${randomUUID()}`;
        if (mode === "start") {
          let replayed = false;
          const res = await client.tasks.startThread(inputs.taskId, common, {
            idempotencyKey,
            onIdempotentReplay: () => (replayed = true),
          });
          let thread = res.thread;
          const threadId = thread.id as string;
          if (replayed && !(await threadExists(threadId))) {
            // The answer replayed names a thread deleted since: start a new one.
            startKey = undefined;
            continue;
          }
          if (inputs.title !== undefined && inputs.title !== thread.title) {
            try {
              thread = await client.threads.update(threadId, { title: inputs.title });
            } catch (err) {
              throw Object.assign(
                describeError(err, `thread ${threadId} was started but its title could not be set`),
                {
                  id: threadId,
                  properties: threadOutputs(thread, inputs, { task: res.task }),
                },
              );
            }
          }
          return { id: threadId, outs: threadOutputs(thread, inputs, { task: res.task }) };
        }
        const runBody = {
          ...common,
          ...(inputs.message !== undefined ? { message: inputs.message } : {}),
        };
        // Paid work: found again on the server by its pending marker, never run twice (see
        // run-marker.ts). Without a resource key (a direct call of the core) there is none.
        const pending =
          resourceKey === undefined
            ? undefined
            : pendingWorkMarker(resourceKey, [
                inputs.taskId,
                canonicalJson({ ...runBody, metadata: inputs.metadata ?? null }),
                canonicalJson((inputs as Record<string, unknown>).triggers ?? null),
              ]);
        let adopted = pending ? await findPendingRun(inputs.taskId, pending) : undefined;
        let res: RunThreadResponse | undefined;
        if (!adopted) {
          try {
            res = await client.tasks.runThread(
              inputs.taskId,
              pending
                ? { ...runBody, metadata: { ...runBody.metadata, [PENDING_WORK_KEY]: pending } }
                : runBody,
              {
                idempotencyKey,
                // The run may have happened although its answer was lost: look for it before
                // asking again, so that it is not paid for twice.
                onAmbiguousRetry: pending
                  ? async () => {
                      adopted = await findPendingRun(inputs.taskId, pending);
                      if (adopted) throw new Error("the run was found on the server");
                    }
                  : undefined,
              },
            );
          } catch (err) {
            if (!adopted) throw err;
          }
        }
        let thread = adopted?.thread ?? (res as RunThreadResponse).thread;
        const threadId = thread.id as string;
        const subtaskIds = (res?.subtasks ?? [])
          .map((s) => s.id)
          .filter((s): s is string => typeof s === "string");
        // A run found again has no execution to show: the API returns it to its call only.
        const extra = res
          ? { task: res.task, execution: res.execution, subtaskIds }
          : { task: adopted?.task };
        if (res?.execution && res.execution.success === false) {
          // The thread exists and holds the failed run: record it, so nothing is lost, and fail.
          throw Object.assign(
            new Error(
              `the agent's run on task ${inputs.taskId} failed in thread ${threadId}: ${res.execution.error ?? "no error given"}; the next pulumi up runs it again`,
            ),
            { id: threadId, properties: threadOutputs(thread, inputs, extra) },
          );
        }
        const finish: ThreadUpdateParams = {};
        if (inputs.title !== undefined && inputs.title !== thread.title)
          finish.title = inputs.title;
        if (pending && hasPendingWork(thread.metadata, pending))
          finish.metadata = withoutPendingWork(thread.metadata) ?? {};
        if (Object.keys(finish).length > 0) {
          try {
            thread = await client.threads.update(threadId, finish);
          } catch (err) {
            // The agent's run is done and paid for: record the thread whatever fails after it,
            // so the next up finishes it instead of running the agent again.
            throw Object.assign(
              describeError(
                err,
                `the agent ran in thread ${threadId} but ${finish.title !== undefined ? "its title could not be set" : "its pending marker could not be removed"}`,
              ),
              { id: threadId, properties: threadOutputs(thread, inputs, extra) },
            );
          }
        }
        return { id: threadId, outs: threadOutputs(thread, inputs, extra) };
      } catch (err) {
        if (
          ConflictError.isInstance(err) &&
          err.reason === CONFLICT_REASONS.blockedByDependencies
        ) {
          const blocking = err.blockingTaskIds?.length
            ? ` (not done: ${err.blockingTaskIds.join(", ")})`
            : "";
          if (Date.now() + pollMs <= deadline) {
            reportBlocked(`waiting for its dependencies${blocking}`);
            await sleep(pollMs);
            continue;
          }
          throw new Error(
            inputs.onBlocked === "wait"
              ? `${doing}: the task was still blocked by its dependencies after ${waitMs / 1000}s${blocking}; raise waitTimeoutSeconds or finish the dependencies first`
              : `${doing}: the task is blocked by dependencies that are not done${blocking}; finish them first, or set onBlocked: "wait" with waitTimeoutSeconds`,
          );
        }
        if (ConflictError.isInstance(err) && err.reason === CONFLICT_REASONS.alreadyStarted) {
          const existing = err.threadId ? ` thread ${err.threadId}` : " a thread";
          throw new Error(
            `${doing}: the task already has${existing}, and start-thread only starts a task's first thread; use mode: "run" for another thread`,
          );
        }
        if ((err as { id?: unknown }).id) throw err;
        if (NotFoundError.isInstance(err)) {
          throw new Error(`${doing}: there is no task ${inputs.taskId}; check taskId`);
        }
        throw describeError(err, doing);
      }
    }
  }

  /**
   * Reads the thread. With no recorded state (an import), `id` is `<taskId>/<threadId>`: a
   * thread alone does not name its task, and the task is a TaskThread's required input.
   */
  async read(id: string, props: Record<string, unknown> = {}): Promise<ReadResult> {
    let threadId = id;
    let recorded = props;
    if (props.taskId === undefined) {
      const parts = id.split("/");
      if (parts.length !== 2 || !parts[0] || !parts[1]) {
        throw new Error(
          `importing a TaskThread: the id "${id}" is not <taskId>/<threadId>; give the task's id and the thread's id, e.g. task_123/thr_456`,
        );
      }
      [recorded, threadId] = [{ taskId: parts[0] }, parts[1]];
    }
    let thread: Thread;
    try {
      thread = await acpClient().threads.retrieve(threadId);
    } catch (err) {
      if (NotFoundError.isInstance(err)) return { id: "" };
      throw describeError(err, `reading thread ${threadId}`);
    }
    const inputs = pickInputs(recorded);
    const outs = threadOutputs(thread, inputs as TaskThreadProviderInputs, {});
    // An imported thread's mode is unknown (see diff): none is recorded.
    if (recorded.mode === undefined) delete outs.mode;
    keepCallResults(outs, recorded);
    const liveInputs: Record<string, unknown> = { ...inputs };
    // outs hold the thread's metadata without a fast run's marker.
    const live = outs as Record<string, unknown>;
    for (const field of IN_PLACE_FIELDS) {
      if (inputs[field as keyof typeof inputs] !== undefined && live[field] != null)
        liveInputs[field] = live[field];
    }
    return { id: threadId, props: outs, inputs: liveInputs };
  }

  async update(
    id: string,
    olds: Record<string, unknown>,
    news: TaskThreadProviderInputs & Record<string, unknown>,
  ): Promise<UpdateResult> {
    const patch: Record<string, unknown> = {};
    for (const field of IN_PLACE_FIELDS) {
      const next = news[field];
      if (next !== undefined && !fieldEqual(POLICIES[field], next, olds[field]))
        patch[field] = next;
    }
    let thread: Thread;
    try {
      thread =
        Object.keys(patch).length > 0
          ? await acpClient().threads.update(id, patch)
          : await acpClient().threads.retrieve(id);
      // A run whose create could not take its pending marker off (see create) loses it now.
      const metadata = thread.metadata;
      if (metadata && typeof metadata === "object" && PENDING_WORK_KEY in metadata)
        thread = await acpClient().threads.update(id, {
          metadata: withoutPendingWork(metadata),
        });
    } catch (err) {
      throw describeError(err, `updating thread ${id}`);
    }
    const outs = threadOutputs(thread, news, {});
    keepCallResults(outs, olds);
    return { outs };
  }

  async delete(id: string): Promise<void> {
    try {
      await acpClient().threads.delete(id);
    } catch (err) {
      if (NotFoundError.isInstance(err)) return;
      throw describeError(err, `deleting thread ${id}`);
    }
  }
}

/** How an imported thread was made, taken from the program (see diff). */
function importedSettings(news: Record<string, unknown>): Record<string, unknown> {
  return { mode: news.mode ?? TASK_THREAD_FIELDS.mode.default, message: news.message };
}

function pickInputs(props: Record<string, unknown>): Partial<TaskThreadProviderInputs> {
  const out: Record<string, unknown> = {};
  for (const key of TASK_THREAD_INPUT_FIELDS)
    if (props[key] !== undefined && props[key] !== UNKNOWN) out[key] = props[key];
  return out as Partial<TaskThreadProviderInputs>;
}
