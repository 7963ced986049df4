/**
 * A TaskThread's create, in named steps: {@link startThread} (start-thread, the task's first
 * thread), {@link runThread} (run-thread: paid work, never run twice) and
 * {@link untilUnblocked}, which tries again while the task's dependencies are not done.
 */
import { randomUUID } from "node:crypto";
import {
  ConflictError,
  CONFLICT_REASONS,
  NotFoundError,
  type RunThreadResponse,
  type Task as ApiTask,
  type Thread,
  type ThreadUpdateParams,
} from "../../client";
import { canonicalJson, stableKey } from "../compare";
import { describeError } from "../errors";
import { threadExists } from "../lookup";
import { waitReporter } from "../progress";
import {
  hasPendingWork,
  taggedMetadata,
  pendingMark,
  PENDING_WORK_KEY,
  withoutPendingWork,
} from "../run-tag";
import { acpClient } from "../settings";
import type { CreateResult } from "../types";
import { DEFAULT_POLL_INTERVAL_SECONDS, DEFAULT_WAIT_TIMEOUT_SECONDS } from "./fields";
import type { TaskThreadProviderInputs } from "./inputs";
import { threadOutputs } from "./outputs";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The request fields start-thread and run-thread share. */
type ThreadRequest = ReturnType<typeof threadRequest>;

/** The fields of the request, with a fast run's tag in the metadata. */
function threadRequest(inputs: TaskThreadProviderInputs, resourceKey: string | undefined) {
  const metadata = taggedMetadata(inputs.metadata, resourceKey);
  return {
    ...(inputs.agentId !== undefined ? { agentId: inputs.agentId } : {}),
    ...(inputs.environmentId !== undefined ? { environmentId: inputs.environmentId } : {}),
    ...(inputs.moveToInProgress !== undefined ? { moveToInProgress: inputs.moveToInProgress } : {}),
    ...(metadata !== undefined ? { metadata } : {}),
  };
}

/** Starts or runs the thread of `inputs`, trying again while the task is blocked if asked to. */
export async function createThread(
  inputs: TaskThreadProviderInputs,
  resourceKey: string | undefined,
): Promise<CreateResult> {
  const mode = inputs.mode ?? "start";
  const common = threadRequest(inputs, resourceKey);
  // A start-thread's key is stable for this resource and these inputs, so that one whose
  // answer was lost, even to a killed engine, is answered with the thread it started. Each
  // attempt on a blocked task has its own key: a refusal must not be replayed to the next.
  // A run's key is fresh: running a prompt again is what replacing a run thread asks for.
  let startKey = mode === "start" ? threadStartKey(resourceKey, inputs.taskId, common) : undefined;
  return untilUnblocked(inputs, async (attempt) => {
    const idempotencyKey = startKey
      ? `${startKey}-${attempt}`
      : `pulumi-acp-thread-${randomUUID()}`;
    if (mode === "run") return runThread(inputs, common, resourceKey, idempotencyKey);
    const started = await startThread(inputs, common, idempotencyKey);
    // The answer replayed names a thread deleted since: start a new one.
    if (started === undefined) startKey = undefined;
    return started;
  });
}

/**
 * Start-thread: the task's first thread, with its title set. Undefined when the answer was
 * replayed for a thread that has been deleted since.
 */
async function startThread(
  inputs: TaskThreadProviderInputs,
  common: ThreadRequest,
  idempotencyKey: string,
): Promise<CreateResult | undefined> {
  const client = acpClient();
  let replayed = false;
  const res = await client.tasks.startThread(inputs.taskId, common, {
    idempotencyKey,
    onIdempotentReplay: () => (replayed = true),
  });
  let thread = res.thread;
  const threadId = thread.id as string;
  if (replayed && !(await threadExists(threadId))) return undefined;
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

/**
 * Run-thread: a new thread whose prompt the agent runs during the call. Paid work: found again
 * on the server by its pending mark, never run twice (see run-tag.ts).
 */
async function runThread(
  inputs: TaskThreadProviderInputs,
  common: ThreadRequest,
  resourceKey: string | undefined,
  idempotencyKey: string,
): Promise<CreateResult> {
  const runBody = {
    ...common,
    ...(inputs.message !== undefined ? { message: inputs.message } : {}),
  };
  // Without a resource key (a direct call of the core) there is no pending mark.
  const pending =
    resourceKey === undefined
      ? undefined
      : pendingMark(resourceKey, [
          inputs.taskId,
          canonicalJson({ ...runBody, metadata: inputs.metadata ?? null }),
          canonicalJson((inputs as Record<string, unknown>).triggers ?? null),
        ]);
  let adopted = pending ? await findPendingRun(inputs.taskId, pending) : undefined;
  let res: RunThreadResponse | undefined;
  if (!adopted) {
    try {
      res = await acpClient().tasks.runThread(
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
  return finishRun(inputs, pending, res, adopted);
}

/**
 * A run's thread as the resource records it: failed when the agent's run failed; its title set
 * and its pending mark removed.
 */
async function finishRun(
  inputs: TaskThreadProviderInputs,
  pending: string | undefined,
  res: RunThreadResponse | undefined,
  adopted: { thread: Thread; task: ApiTask } | undefined,
): Promise<CreateResult> {
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
  if (inputs.title !== undefined && inputs.title !== thread.title) finish.title = inputs.title;
  if (pending && hasPendingWork(thread.metadata, pending))
    finish.metadata = withoutPendingWork(thread.metadata) ?? {};
  if (Object.keys(finish).length > 0) {
    try {
      thread = await acpClient().threads.update(threadId, finish);
    } catch (err) {
      // The agent's run is done and paid for: record the thread whatever fails after it,
      // so the next up finishes it instead of running the agent again.
      throw Object.assign(
        describeError(
          err,
          `the agent ran in thread ${threadId} but ${finish.title !== undefined ? "its title could not be set" : "its pending mark could not be removed"}`,
        ),
        { id: threadId, properties: threadOutputs(thread, inputs, extra) },
      );
    }
  }
  return { id: threadId, outs: threadOutputs(thread, inputs, extra) };
}

/**
 * Runs `attempt` (numbered from 1) until it gives a result. A task blocked by its dependencies
 * is tried again every `pollIntervalSeconds` while `onBlocked` is `wait` and time is left;
 * every other failure is said in the words of the resource.
 */
async function untilUnblocked(
  inputs: TaskThreadProviderInputs,
  attempt: (n: number) => Promise<CreateResult | undefined>,
): Promise<CreateResult> {
  const mode = inputs.mode ?? "start";
  const waitMs =
    inputs.onBlocked === "wait"
      ? (inputs.waitTimeoutSeconds ?? DEFAULT_WAIT_TIMEOUT_SECONDS) * 1000
      : 0;
  const pollMs = (inputs.pollIntervalSeconds ?? DEFAULT_POLL_INTERVAL_SECONDS) * 1000;
  const deadline = Date.now() + waitMs;
  const doing = `${mode === "run" ? "running" : "starting"} a thread on task ${inputs.taskId}`;
  // Shown by the engine as the resource's status while the task is blocked.
  const reportBlocked = waitReporter(`task ${inputs.taskId}`, waitMs / 1000);
  for (let n = 1; ; n++) {
    try {
      const result = await attempt(n);
      if (result) return result;
    } catch (err) {
      if (ConflictError.isInstance(err) && err.reason === CONFLICT_REASONS.blockedByDependencies) {
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
      throw createError(err, doing, inputs.taskId);
    }
  }
}

/** A create's failure other than a blocked task, in the words of the resource. */
function createError(err: unknown, doing: string, taskId: string): unknown {
  if (ConflictError.isInstance(err) && err.reason === CONFLICT_REASONS.alreadyStarted) {
    const existing = err.threadId ? ` thread ${err.threadId}` : " a thread";
    return new Error(
      `${doing}: the task already has${existing}, and start-thread only starts a task's first thread; use mode: "run" for another thread`,
    );
  }
  if ((err as { id?: unknown }).id) return err;
  if (NotFoundError.isInstance(err)) {
    return new Error(`${doing}: there is no task ${taskId}; check taskId`);
  }
  return describeError(err, doing);
}

/** The stable part of a start-thread's Idempotency-Key, when the resource has a key. */
export function threadStartKey(
  resourceKey: string | undefined,
  taskId: string,
  body: object,
): string | undefined {
  if (!resourceKey) return undefined;
  return stableKey("pulumi-acp-start-", 40, [resourceKey, taskId, canonicalJson(body)]);
}

/**
 * A run thread of `taskId` that carries the pending mark `mark` and did not fail: paid work
 * of this resource whose create did not finish (see run-tag.ts), with the task as it is now.
 */
export async function findPendingRun(
  taskId: string,
  mark: string,
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
      hasPendingWork(thread.metadata, mark) &&
      thread.status !== "failed" &&
      thread.status !== "cancelled"
    )
      return { thread, task };
  }
  return undefined;
}
