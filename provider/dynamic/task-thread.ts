import * as pulumi from "@pulumi/pulumi";
import { THREAD_OUTPUT_FIELDS, type OnBlocked, type ThreadMode } from "../core";
import type { Execution, Metadata, TaskStatus, ThreadStatus } from "../client/schemas";
import * as taskThreadProvider from "./providers/task-thread";

/** Inputs of a {@link TaskThread}. */
export interface TaskThreadArgs {
  /** The task to work on. Changing it replaces the thread. */
  taskId: pulumi.Input<string>;
  /**
   * `start` (default): start-thread, the task's first thread (409 if it has one already).
   * `run`: run-thread, a new thread whose prompt the agent runs synchronously during `up`.
   * Changing it replaces the thread.
   */
  mode?: pulumi.Input<ThreadMode>;
  /** Agent to work on the task. Unset: the API's choice. Changing it replaces the thread. */
  agentId?: pulumi.Input<string>;
  /** Computer the agent works on. Changing it replaces the thread. */
  environmentId?: pulumi.Input<string>;
  /** Move the task to in_progress when the thread starts. Default false. */
  moveToInProgress?: pulumi.Input<boolean>;
  /** Prompt of a `run` thread (default: the task's own text). Changing it replaces the thread. */
  message?: pulumi.Input<string>;
  /** Thread title; updated in place. */
  title?: pulumi.Input<string>;
  /** Free-form JSON metadata; updated in place. */
  metadata?: pulumi.Input<Metadata>;
  /**
   * Any JSON array, kept in the state only. Changing it replaces the thread: a `run` thread
   * runs its prompt again, exactly once. The same value is no change.
   */
  triggers?: pulumi.Input<unknown[]>;
  /**
   * When the task's dependencies are not all done: `fail` (default) fails at once; `wait`
   * tries again every `pollIntervalSeconds` until `waitTimeoutSeconds` have passed.
   */
  onBlocked?: pulumi.Input<OnBlocked>;
  /** How long `wait` waits, in seconds. Default 600. (customTimeouts do not reach this provider.) */
  waitTimeoutSeconds?: pulumi.Input<number>;
  /** Pause between attempts while waiting, in seconds. Default 2. */
  pollIntervalSeconds?: pulumi.Input<number>;
}

/**
 * A thread in which an agent works on a task (`pulumi-nodejs:dynamic/acp:TaskThread`). Its id
 * is the thread's id. Create: `POST /v1/tasks/{taskId}/start-thread` or `.../run-thread`;
 * read: `GET /v1/threads/{id}`; update (title, metadata): `PATCH /v1/threads/{id}`;
 * delete: `DELETE /v1/threads/{id}`.
 */
export class TaskThread extends pulumi.dynamic.Resource {
  declare public readonly taskId: pulumi.Output<string>;
  declare public readonly mode: pulumi.Output<ThreadMode>;
  declare public readonly agentId: pulumi.Output<string | undefined>;
  declare public readonly environmentId: pulumi.Output<string | undefined>;
  declare public readonly moveToInProgress: pulumi.Output<boolean | undefined>;
  declare public readonly message: pulumi.Output<string | undefined>;
  declare public readonly title: pulumi.Output<string | undefined>;
  declare public readonly metadata: pulumi.Output<Metadata | undefined>;
  declare public readonly triggers: pulumi.Output<unknown[] | undefined>;
  declare public readonly onBlocked: pulumi.Output<OnBlocked | undefined>;
  declare public readonly waitTimeoutSeconds: pulumi.Output<number | undefined>;
  declare public readonly pollIntervalSeconds: pulumi.Output<number | undefined>;
  /** The thread's lifecycle status: active, running, completed, failed or cancelled. */
  declare public readonly status: pulumi.Output<ThreadStatus>;
  declare public readonly projectId: pulumi.Output<string | undefined>;
  declare public readonly appId: pulumi.Output<string | undefined>;
  /** The thread's prompt text (the API's `thread.task`). */
  declare public readonly prompt: pulumi.Output<string | undefined>;
  declare public readonly messageCount: pulumi.Output<number | undefined>;
  declare public readonly lastMessageAt: pulumi.Output<string | undefined>;
  declare public readonly lastMessagePreview: pulumi.Output<string | undefined>;
  declare public readonly inputTokens: pulumi.Output<number | undefined>;
  declare public readonly outputTokens: pulumi.Output<number | undefined>;
  declare public readonly totalCost: pulumi.Output<number | undefined>;
  declare public readonly environmentMinutes: pulumi.Output<number | undefined>;
  declare public readonly environmentName: pulumi.Output<string | undefined>;
  declare public readonly agentName: pulumi.Output<string | undefined>;
  declare public readonly teamExecution: pulumi.Output<Record<string, unknown> | undefined>;
  declare public readonly subagentActivity: pulumi.Output<Record<string, unknown>[] | undefined>;
  declare public readonly createdAt: pulumi.Output<string | undefined>;
  declare public readonly updatedAt: pulumi.Output<string | undefined>;
  /** The task's status right after the thread was started or run. */
  declare public readonly taskStatus: pulumi.Output<TaskStatus | undefined>;
  /** `run` mode: the synchronous execution (success, response, actions, durationMs, usage). */
  declare public readonly execution: pulumi.Output<Execution | undefined>;
  /** `run` mode: ids of the subtasks the run created. */
  declare public readonly subtaskIds: pulumi.Output<string[] | undefined>;

  constructor(name: string, args: TaskThreadArgs, opts?: pulumi.CustomResourceOptions) {
    const props: Record<string, unknown> = Object.fromEntries(
      THREAD_OUTPUT_FIELDS.map((n) => [n, undefined]),
    );
    Object.assign(props, args, { __acpKey: `${pulumi.getProject()}/${pulumi.getStack()}/${name}` });
    super(
      taskThreadProvider as pulumi.dynamic.ResourceProvider,
      name,
      props,
      opts,
      "acp",
      "TaskThread",
    );
  }
}
