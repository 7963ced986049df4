import * as pulumi from "@pulumi/pulumi";
import { TASK_OUTPUT_FIELDS } from "../core";
import type { Metadata, TaskPriority, TaskStatus } from "../client/schemas";
import * as taskProvider from "./providers/task";

/**
 * Inputs of a {@link Task}. Every field but `title` is optional; a field left unset is not
 * managed (whatever the API or its agents put there stays), except that a field the program
 * stops setting is cleared where the API allows it.
 */
export interface TaskArgs {
  /** The task's title. Required, non-empty. */
  title: pulumi.Input<string>;
  /** Human-readable description; also the default prompt of a `run` thread. */
  description?: pulumi.Input<string>;
  /** Project of the task. Changing it replaces the task (a task does not move between projects). */
  projectId?: pulumi.Input<string>;
  /** Release the task belongs to. */
  releaseId?: pulumi.Input<string>;
  /** Sprint the task belongs to. */
  sprintId?: pulumi.Input<string>;
  /**
   * Lifecycle status: backlog, todo, in_progress, blocked, in_review or done. Agents move the
   * status of tasks they work on: leave it unset (or use `ignoreChanges: ["status"]`) unless the
   * program must own it. `in_review` is set with an update right after create.
   */
  status?: pulumi.Input<TaskStatus>;
  /** low, medium, high or urgent. */
  priority?: pulumi.Input<TaskPriority>;
  /** Agent the task is assigned to. */
  assigneeAgentId?: pulumi.Input<string>;
  /** Ids of tasks that must be done first. Compared as a set: order does not matter. */
  dependencyIds?: pulumi.Input<pulumi.Input<string>[]>;
  /** ISO 8601 date-time with a time zone, or a date. */
  scheduledStartAt?: pulumi.Input<string>;
  /** ISO 8601; not before scheduledStartAt. */
  scheduledEndAt?: pulumi.Input<string>;
  /** ISO 8601. */
  dueAt?: pulumi.Input<string>;
  /** ISO 8601. The API sets it when a task is done; set it only to own it. */
  completedAt?: pulumi.Input<string>;
  /** Position in lists. */
  sortOrder?: pulumi.Input<number>;
  /** Free-form JSON object, compared deeply. */
  metadata?: pulumi.Input<Metadata>;
  /**
   * Adopt this existing task instead of creating one: the first up reads it and updates the
   * fields the program sets; from then on it is managed like any other (destroy deletes it,
   * unless the resource has `retainOnDelete`). Changing it replaces the resource.
   */
  adoptExistingId?: pulumi.Input<string>;
}

/**
 * An ACP task (`pulumi-nodejs:dynamic/acp:Task`). Its id is the task's id.
 *
 * Create: `POST /v1/tasks`; read: `GET /v1/tasks/{id}`; update: `PATCH /v1/tasks/{id}` with
 * only what changed; delete: `DELETE /v1/tasks/{id}` (a task already gone counts as deleted).
 */
export class Task extends pulumi.dynamic.Resource {
  declare public readonly title: pulumi.Output<string>;
  declare public readonly description: pulumi.Output<string | undefined>;
  declare public readonly projectId: pulumi.Output<string | undefined>;
  declare public readonly releaseId: pulumi.Output<string | undefined>;
  declare public readonly sprintId: pulumi.Output<string | undefined>;
  declare public readonly status: pulumi.Output<TaskStatus>;
  declare public readonly priority: pulumi.Output<TaskPriority | undefined>;
  declare public readonly assigneeAgentId: pulumi.Output<string | undefined>;
  declare public readonly dependencyIds: pulumi.Output<string[]>;
  declare public readonly scheduledStartAt: pulumi.Output<string | undefined>;
  declare public readonly scheduledEndAt: pulumi.Output<string | undefined>;
  declare public readonly dueAt: pulumi.Output<string | undefined>;
  declare public readonly completedAt: pulumi.Output<string | undefined>;
  declare public readonly sortOrder: pulumi.Output<number | undefined>;
  declare public readonly metadata: pulumi.Output<Metadata | undefined>;
  declare public readonly adoptExistingId: pulumi.Output<string | undefined>;
  /** User who owns the task (set by the API). */
  declare public readonly userId: pulumi.Output<string | undefined>;
  /** Threads linked to the task (start-thread and run-thread append to it). */
  declare public readonly linkedThreadIds: pulumi.Output<string[]>;
  /** The thread most recently started or run for the task. */
  declare public readonly lastStartedThreadId: pulumi.Output<string | undefined>;
  declare public readonly createdAt: pulumi.Output<string>;
  declare public readonly updatedAt: pulumi.Output<string>;
  /** The inputs this program manages; the rest of the task is left to the API and its agents. */
  declare public readonly managedFields: pulumi.Output<string[]>;

  constructor(name: string, args: TaskArgs, opts?: pulumi.CustomResourceOptions) {
    const props: Record<string, unknown> = Object.fromEntries(
      TASK_OUTPUT_FIELDS.map((n) => [n, undefined]),
    );
    if (args) {
      Object.assign(props, args, {
        __acpKey: `${pulumi.getProject()}/${pulumi.getStack()}/${name}`,
      });
    }
    super(taskProvider as pulumi.dynamic.ResourceProvider, name, props, opts, "acp", "Task");
  }

  /**
   * A read-only reference to an existing task: `Task.get("name", "task_123")`. Refreshed from
   * the API; never created, updated or deleted by this program.
   */
  static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): Task {
    return new Task(name, undefined as unknown as TaskArgs, { ...opts, id });
  }
}
