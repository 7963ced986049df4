import { z } from "zod";
import { Id, IsoTimestamp, Metadata, NonBlank, responseField as r } from "./common";
import { LIST_MAX_LIMIT } from "./routes";

/**
 * Every task status the API can return. `in_review` appears in responses (run-thread) and is
 * accepted by PATCH, but not by the create request.
 */
export const TASK_STATUSES = [
  "backlog",
  "todo",
  "in_progress",
  "blocked",
  "in_review",
  "done",
] as const;
export const TaskStatus = z.enum(TASK_STATUSES);
export type TaskStatus = z.infer<typeof TaskStatus>;

/** The statuses that `POST /v1/tasks` accepts (the create request's enum has no `in_review`). */
export const TASK_CREATE_STATUSES = ["backlog", "todo", "in_progress", "blocked", "done"] as const;
export const TaskCreateStatus = z.enum(TASK_CREATE_STATUSES);
export type TaskCreateStatus = z.infer<typeof TaskCreateStatus>;

export const TASK_PRIORITIES = ["low", "medium", "high", "urgent"] as const;
export const TaskPriority = z.enum(TASK_PRIORITIES);
export type TaskPriority = z.infer<typeof TaskPriority>;

/** A task as the API returns it. Tolerant: every field optional, unknown fields kept. */
export const Task = z.looseObject({
  id: r(z.string()),
  userId: r(z.string()),
  projectId: r(z.string()),
  releaseId: r(z.string()),
  sprintId: r(z.string()),
  assigneeAgentId: r(z.string()),
  title: r(z.string()),
  description: r(z.string()),
  status: r(TaskStatus),
  priority: r(TaskPriority),
  dependencyIds: r(z.array(z.string())),
  linkedThreadIds: r(z.array(z.string())),
  lastStartedThreadId: r(z.string()),
  scheduledStartAt: r(z.string()),
  scheduledEndAt: r(z.string()),
  dueAt: r(z.string()),
  completedAt: r(z.string()),
  createdAt: r(z.string()),
  updatedAt: r(z.string()),
  sortOrder: r(z.number()),
  metadata: r(Metadata),
});
export type Task = z.infer<typeof Task>;

/** A subtask created by a run-thread execution. */
export const Subtask = z.looseObject({
  id: r(z.string()),
  title: r(z.string()),
  description: r(z.string()),
  status: r(TaskStatus),
  priority: r(TaskPriority),
  type: r(z.enum(["task", "subtask"])),
  parentTaskId: r(z.string()),
  assigneeAgentId: r(z.string()),
  dependencyIds: r(z.array(z.string())),
  linkedThreadIds: r(z.array(z.string())),
  lastStartedThreadId: r(z.string()),
  scheduledStartAt: r(z.string()),
  scheduledEndAt: r(z.string()),
  dueAt: r(z.string()),
  reviewRequired: r(z.boolean()),
  reviewerActorId: r(z.string()),
  reviewerActorKind: r(z.string()),
  reviewerName: r(z.string()),
});
export type Subtask = z.infer<typeof Subtask>;

/** The writable task fields shared by create and update. */
const writableTaskFields = {
  description: z.string(),
  projectId: Id,
  releaseId: Id,
  sprintId: Id,
  priority: TaskPriority,
  assigneeAgentId: Id,
  dependencyIds: z.array(Id),
  linkedThreadIds: z.array(Id),
  lastStartedThreadId: Id,
  scheduledStartAt: IsoTimestamp,
  scheduledEndAt: IsoTimestamp,
  dueAt: IsoTimestamp,
  completedAt: IsoTimestamp,
  sortOrder: z.number().finite(),
  metadata: Metadata,
};

/** `{ name: true }` for every name of `shape`: a mask for zod's `partial` and `pick`. */
function everyKey<T extends object>(shape: T): { [K in keyof T]: true } {
  return Object.fromEntries(Object.keys(shape).map((k) => [k, true])) as { [K in keyof T]: true };
}

/** Body of `POST /v1/tasks` [spec]. Strict: an unknown field is a mistake, not data. */
export const TaskCreateParams = z
  .strictObject({
    title: NonBlank,
    status: TaskCreateStatus,
    ...writableTaskFields,
  })
  // Every field but the title is optional: the writable fields' names, not a copy of them.
  .partial({ status: true, ...everyKey(writableTaskFields) });
export type TaskCreateParams = z.infer<typeof TaskCreateParams>;

/**
 * Body of `PATCH /v1/tasks/{taskId}` [assumed]: any writable field; `in_review` allowed.
 * `null` clears an optional field.
 */
export const TaskUpdateParams = z
  .strictObject({
    title: NonBlank,
    status: TaskStatus,
    ...(Object.fromEntries(
      Object.entries(writableTaskFields).map(([k, v]) => [k, v.nullable()]),
    ) as { [K in keyof typeof writableTaskFields]: z.ZodNullable<(typeof writableTaskFields)[K]> }),
  })
  .partial();
export type TaskUpdateParams = z.infer<typeof TaskUpdateParams>;

/** Query of `GET /v1/tasks` [assumed]. */
export const TaskListParams = z.strictObject({
  projectId: Id.optional(),
  sprintId: Id.optional(),
  status: TaskStatus.optional(),
  limit: z.number().int().min(1).max(LIST_MAX_LIMIT).optional(),
  cursor: z.string().min(1).optional(),
});
export type TaskListParams = z.infer<typeof TaskListParams>;

/** `{ task }`: the envelope of create, retrieve and update. */
export const TaskEnvelope = z.looseObject({ task: Task });
export type TaskEnvelope = z.infer<typeof TaskEnvelope>;

/** One page of `GET /v1/tasks` [assumed]. */
export const TaskListPage = z.looseObject({
  tasks: z.array(Task),
  nextCursor: r(z.string()),
});
export type TaskListPage = z.infer<typeof TaskListPage>;
