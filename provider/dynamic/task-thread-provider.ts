/**
 * The implementation behind `TaskThread`: a thread in which an agent works on a task, started
 * with start-thread (the task's first thread) or run-thread (a new thread whose prompt runs
 * synchronously). Loaded by package name inside the provider process, never serialized.
 */
import { createHash, randomUUID } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  ConflictError,
  CONFLICT_REASONS,
  Id,
  NotFoundError,
  RunThreadParams,
  type Execution,
  type Task as ApiTask,
  type Thread,
} from "../client";
import { acpClient } from "./settings";
import {
  canonicalJson,
  containsUnknown,
  deepEqual,
  definedOnly,
  UNKNOWN,
  withoutUnknowns,
} from "./compare";
import { checkFailures, describeError } from "./errors";
import { THREAD_INPUT_FIELDS } from "./fields";
import { markedMetadata, taskToAdopt, withoutRunMarker } from "./run-marker";

/** How a thread is made: `start` (start-thread) or `run` (run-thread). */
export const THREAD_MODES = ["start", "run"] as const;
export type ThreadMode = (typeof THREAD_MODES)[number];

/** What to do when the task's dependencies are not all done. */
export const ON_BLOCKED = ["fail", "wait"] as const;
export type OnBlocked = (typeof ON_BLOCKED)[number];

/** Inputs whose change makes a new thread. */
export const THREAD_REPLACE_FIELDS = [
  "taskId",
  "mode",
  "agentId",
  "environmentId",
  "message",
] as const;
/** Inputs updated in place (PATCH /v1/threads/{id}). */
export const THREAD_UPDATE_FIELDS = ["title", "metadata"] as const;

/** Default wait for a blocked task, in seconds, when `onBlocked` is `wait`. */
export const DEFAULT_WAIT_TIMEOUT_SECONDS = 600;
/** Default pause between two attempts on a blocked task, in seconds. */
export const DEFAULT_POLL_INTERVAL_SECONDS = 2;

export interface TaskThreadProviderInputs {
  taskId: string;
  mode?: ThreadMode;
  agentId?: string;
  environmentId?: string;
  moveToInProgress?: boolean;
  message?: string;
  title?: string;
  metadata?: Record<string, unknown>;
  onBlocked?: OnBlocked;
  waitTimeoutSeconds?: number;
  pollIntervalSeconds?: number;
  /** `<project>/<stack>/<resource name>`: makes a start-thread's idempotency key stable. */
  __acpKey?: string;
}

/**
 * What check accepts: the run-thread request's own fields (the API's schema) and the
 * provider's inputs. Strict: a misspelt property is reported.
 */
const TaskThreadInputsSchema = RunThreadParams.pick({
  agentId: true,
  environmentId: true,
  moveToInProgress: true,
  metadata: true,
  message: true,
})
  .extend({
    taskId: z.string({ error: "is required: the id of the task to work on" }).pipe(Id),
    mode: z.enum(THREAD_MODES).optional(),
    title: z.string().optional(),
    onBlocked: z.enum(ON_BLOCKED).optional(),
    waitTimeoutSeconds: z
      .number()
      .finite()
      .min(0, { error: "must be 0 or more seconds" })
      .optional(),
    pollIntervalSeconds: z
      .number()
      .finite()
      .min(0.05, { error: "must be at least 0.05 seconds" })
      .optional(),
    __acpKey: z.string().optional(),
    __provider: z.string().optional(),
  })
  .superRefine((v, ctx) => {
    if (v.message !== undefined && (v.mode ?? "start") === "start") {
      ctx.addIssue({
        code: "custom",
        path: ["message"],
        message:
          'is used only with mode "run" (start-thread takes no message): set mode: "run" or remove message',
      });
    }
  });

function threadOutputs(
  thread: Thread,
  inputs: TaskThreadProviderInputs,
  extra: { task?: ApiTask | null; execution?: Execution | null; subtaskIds?: string[] },
): Record<string, unknown> {
  // `task` in a thread is the thread's prompt text; the resource's `taskId` is the task's id.
  const { id: _id, task: prompt, ...fields } = definedOnly(thread);
  const outs: Record<string, unknown> = fields;
  // A fast run's marker is the server's business only (see run-marker.ts).
  if (outs.metadata !== undefined) outs.metadata = withoutRunMarker(outs.metadata);
  if (prompt !== undefined) outs.prompt = prompt;
  outs.taskId = inputs.taskId;
  outs.mode = inputs.mode ?? "start";
  for (const key of [
    "message",
    "moveToInProgress",
    "onBlocked",
    "waitTimeoutSeconds",
    "pollIntervalSeconds",
    "agentId",
    "environmentId",
  ] as const) {
    if (inputs[key] !== undefined) outs[key] = inputs[key];
  }
  if (extra.task?.status) outs.taskStatus = extra.task.status;
  if (extra.execution) outs.execution = definedOnly(extra.execution);
  if (extra.subtaskIds) outs.subtaskIds = extra.subtaskIds;
  return outs;
}

/** The stable part of a start-thread's Idempotency-Key, when the resource has a key. */
function threadStartKey(inputs: TaskThreadProviderInputs, body: object): string | undefined {
  if (!inputs.__acpKey) return undefined;
  const digest = createHash("sha256")
    .update(inputs.__acpKey)
    .update("\0")
    .update(inputs.taskId)
    .update("\0")
    .update(canonicalJson(body))
    .digest("hex");
  return `pulumi-acp-start-${digest.slice(0, 40)}`;
}

async function threadExists(threadId: string): Promise<boolean> {
  try {
    await acpClient().threads.retrieve(threadId);
    return true;
  } catch (err) {
    if (NotFoundError.isInstance(err)) return false;
    throw err;
  }
}

/**
 * What the thread's creation returned (the task's status then, the execution, the subtasks)
 * cannot be read back from the API: carry it over from the previous outputs.
 */
function keepCallResults(outs: Record<string, unknown>, previous: Record<string, unknown>): void {
  for (const key of ["taskStatus", "execution", "subtaskIds"]) {
    if (previous[key] !== undefined) outs[key] = previous[key];
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The TaskThread provider's implementation. */
export class TaskThreadProviderImpl {
  async check(
    _olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<pulumi.dynamic.CheckResult> {
    return {
      inputs: news,
      failures: checkFailures(
        TaskThreadInputsSchema.safeParse({
          ...withoutUnknowns(news),
          // A task id not known yet is still a task id.
          ...(containsUnknown(news.taskId) ? { taskId: "unknown" } : {}),
        }),
      ),
    };
  }

  async diff(
    _id: string,
    olds: Record<string, unknown>,
    news: TaskThreadProviderInputs & Record<string, unknown>,
  ): Promise<pulumi.dynamic.DiffResult> {
    const replaces: string[] = [];
    const changed: string[] = [];
    for (const field of THREAD_REPLACE_FIELDS) {
      const next = field === "mode" ? (news.mode ?? "start") : news[field];
      // An agent or environment the program does not set is whatever the API chose.
      if (next === undefined && (field === "agentId" || field === "environmentId")) continue;
      if (containsUnknown(next) || next !== olds[field]) replaces.push(field);
    }
    // A run whose agent failed is run again by the next update.
    const execution = olds.execution as Execution | undefined;
    if (execution && execution.success === false && !replaces.includes("message"))
      replaces.push("message");
    for (const field of THREAD_UPDATE_FIELDS) {
      const next = news[field];
      if (next === undefined) continue; // unset is unmanaged
      if (containsUnknown(next) || !deepEqual(next, olds[field])) changed.push(field);
    }
    for (const field of [
      "moveToInProgress",
      "onBlocked",
      "waitTimeoutSeconds",
      "pollIntervalSeconds",
    ]) {
      if (news[field] !== olds[field]) changed.push(field);
    }
    // A task has one start-thread: the old thread must go before a new one can be started.
    const startMode = (olds.mode ?? "start") === "start" || (news.mode ?? "start") === "start";
    return {
      changes: replaces.length + changed.length > 0,
      replaces,
      deleteBeforeReplace: replaces.length > 0 && startMode,
    };
  }

  async create(inputs: TaskThreadProviderInputs): Promise<pulumi.dynamic.CreateResult> {
    const client = acpClient();
    const mode = inputs.mode ?? "start";
    // A thread that a killed fast run made for this resource (found by the repair): adopted,
    // never started or run again.
    const orphan = taskToAdopt(inputs.__acpKey);
    if (orphan) {
      const found = await this.read(orphan, inputs as unknown as Record<string, unknown>);
      if (found.id) return { id: orphan, outs: found.props };
    }
    const metadata = markedMetadata(inputs.metadata, inputs.__acpKey);
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
    // A start-thread's key is stable for this resource and these inputs, so that one whose
    // answer was lost, even to a killed engine, is answered with the thread it started. Each
    // attempt on a blocked task has its own key: a refusal must not be replayed to the next.
    // A run's key is fresh: running a prompt again is what replacing a run thread asks for.
    let startKey = mode === "start" ? threadStartKey(inputs, common) : undefined;
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
        const res = await client.tasks.runThread(
          inputs.taskId,
          { ...common, ...(inputs.message !== undefined ? { message: inputs.message } : {}) },
          { idempotencyKey },
        );
        let thread = res.thread;
        const threadId = thread.id as string;
        const subtaskIds = (res.subtasks ?? [])
          .map((s) => s.id)
          .filter((s): s is string => typeof s === "string");
        const extra = { task: res.task, execution: res.execution, subtaskIds };
        if (res.execution && res.execution.success === false) {
          // The thread exists and holds the failed run: record it, so nothing is lost, and fail.
          throw Object.assign(
            new Error(
              `the agent's run on task ${inputs.taskId} failed in thread ${threadId}: ${res.execution.error ?? "no error given"}; the next pulumi up runs it again`,
            ),
            { id: threadId, properties: threadOutputs(thread, inputs, extra) },
          );
        }
        if (inputs.title !== undefined && inputs.title !== thread.title) {
          thread = await client.threads.update(threadId, { title: inputs.title });
        }
        return { id: threadId, outs: threadOutputs(thread, inputs, extra) };
      } catch (err) {
        if (
          ConflictError.isInstance(err) &&
          err.reason === CONFLICT_REASONS.blockedByDependencies
        ) {
          if (Date.now() + pollMs <= deadline) {
            await sleep(pollMs);
            continue;
          }
          const blocking = err.blockingTaskIds?.length
            ? ` (not done: ${err.blockingTaskIds.join(", ")})`
            : "";
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

  async read(id: string, props: Record<string, unknown> = {}): Promise<pulumi.dynamic.ReadResult> {
    let thread: Thread;
    try {
      thread = await acpClient().threads.retrieve(id);
    } catch (err) {
      if (NotFoundError.isInstance(err)) return { id: "" };
      throw describeError(err, `reading thread ${id}`);
    }
    const inputs = pickInputs(props);
    const outs = threadOutputs(thread, inputs as TaskThreadProviderInputs, {});
    keepCallResults(outs, props);
    const liveInputs: Record<string, unknown> = { ...inputs };
    if (inputs.title !== undefined && thread.title != null) liveInputs.title = thread.title;
    if (inputs.metadata !== undefined && thread.metadata != null)
      liveInputs.metadata = withoutRunMarker(thread.metadata);
    return { id, props: outs, inputs: liveInputs };
  }

  async update(
    id: string,
    olds: Record<string, unknown>,
    news: TaskThreadProviderInputs & Record<string, unknown>,
  ): Promise<pulumi.dynamic.UpdateResult> {
    const patch: Record<string, unknown> = {};
    if (news.title !== undefined && news.title !== olds.title) patch.title = news.title;
    if (news.metadata !== undefined && !deepEqual(news.metadata, olds.metadata))
      patch.metadata = news.metadata;
    let thread: Thread;
    try {
      thread =
        Object.keys(patch).length > 0
          ? await acpClient().threads.update(id, patch)
          : await acpClient().threads.retrieve(id);
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

function pickInputs(props: Record<string, unknown>): Partial<TaskThreadProviderInputs> {
  const out: Record<string, unknown> = {};
  for (const key of THREAD_INPUT_FIELDS)
    if (props[key] !== undefined && props[key] !== UNKNOWN) out[key] = props[key];
  return out as Partial<TaskThreadProviderInputs>;
}
