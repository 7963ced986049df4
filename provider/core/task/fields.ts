/**
 * The Task's field-policy table: every property of an `acp:Task`, once (see ../fields.ts).
 * Inputs are the API's writable task fields in its own names, typed by the create request's
 * schema; outputs are what `GET /v1/tasks/{id}` returns, plus what the provider records.
 */
import { z } from "zod";
import { fieldsWhere, type FieldTable } from "../fields";

/** Every property of a Task, in registration order. */
export const TASK_FIELDS = {
  title: {
    input: true,
    source: "api",
    inPlace: true,
    required: true,
    doc: "The task's title. Required, non-empty.",
  },
  description: {
    input: true,
    source: "api",
    inPlace: true,
    clearable: true,
    doc: "Human-readable description; also the default prompt of a `run` thread.",
  },
  projectId: {
    input: true,
    source: "api",
    replaces: true,
    doc: "Project of the task. Changing it replaces the task (a task does not move between projects): a new task is created, dependents are updated to it, then the old one is deleted.",
  },
  releaseId: {
    input: true,
    source: "api",
    inPlace: true,
    clearable: true,
    doc: "Release the task belongs to.",
  },
  sprintId: {
    input: true,
    source: "api",
    inPlace: true,
    clearable: true,
    doc: "Sprint the task belongs to.",
  },
  status: {
    present: true,
    input: true,
    source: "api",
    inPlace: true,
    doc: "Lifecycle status. Agents move the status of tasks they work on: leave it unset (or ignore changes to it) unless the program must own it. `in_review` is set with an update right after create.",
  },
  priority: { input: true, source: "api", inPlace: true, doc: "Priority." },
  assigneeAgentId: {
    input: true,
    source: "api",
    inPlace: true,
    clearable: true,
    doc: "Agent the task is assigned to.",
  },
  dependencyIds: {
    present: true,
    input: true,
    source: "api",
    inPlace: true,
    clearable: true,
    clearWith: [],
    compare: "set",
    doc: "Ids of tasks that must be done first. Compared as a set: order does not matter. Duplicates and the task itself are refused.",
  },
  scheduledStartAt: {
    input: true,
    source: "api",
    inPlace: true,
    clearable: true,
    compare: "instant",
    doc: "ISO 8601 date-time with a time zone, or a date. Compared as an instant.",
  },
  scheduledEndAt: {
    input: true,
    source: "api",
    inPlace: true,
    clearable: true,
    compare: "instant",
    doc: "ISO 8601; not before scheduledStartAt.",
  },
  dueAt: {
    input: true,
    source: "api",
    inPlace: true,
    clearable: true,
    compare: "instant",
    doc: "ISO 8601.",
  },
  completedAt: {
    input: true,
    source: "api",
    inPlace: true,
    clearable: true,
    compare: "instant",
    doc: "ISO 8601. The API sets it when a task is done; set it only to own it.",
  },
  sortOrder: { input: true, source: "api", inPlace: true, doc: "Position in lists." },
  metadata: {
    input: true,
    source: "api",
    inPlace: true,
    clearable: true,
    compare: "deep",
    doc: "Free-form JSON object, compared deeply.",
  },
  adoptExistingId: {
    input: true,
    source: "state",
    replaces: true,
    doc: "Adopt this existing task instead of creating one: the first up reads it and updates the fields the program sets; from then on it is managed like any other. Changing it replaces the resource.",
  },
  userId: { input: false, source: "api", doc: "User who owns the task (set by the API)." },
  linkedThreadIds: {
    present: true,
    input: false,
    source: "api",
    doc: "Threads linked to the task (start-thread and run-thread append to it).",
  },
  lastStartedThreadId: {
    input: false,
    source: "api",
    doc: "The thread most recently started or run for the task.",
  },
  createdAt: {
    present: true,
    input: false,
    source: "api",
    doc: "When the task was created (ISO 8601).",
  },
  updatedAt: {
    present: true,
    input: false,
    source: "api",
    doc: "When the task last changed (ISO 8601).",
  },
  managedFields: {
    present: true,
    input: false,
    source: "provider",
    type: z.array(z.string()),
    doc: "The inputs this program manages; the rest of the task is left to the API and its agents.",
  },
} as const satisfies FieldTable;

/** A property of a Task. */
export type TaskField = keyof typeof TASK_FIELDS;

/** The task fields a program manages through the API, in the API's own names. */
export const TASK_INPUT_FIELDS = fieldsWhere(
  TASK_FIELDS,
  (p) => p.input && p.source === "api",
) as TaskInputField[];
/** A task field a program can set through the API. */
export type TaskInputField = {
  [K in TaskField]: (typeof TASK_FIELDS)[K] extends { input: true; source: "api" } ? K : never;
}[TaskField];

/** Every output of a Task: its inputs, what the API sets, and what the provider records. */
export const TASK_OUTPUT_FIELDS = Object.keys(TASK_FIELDS) as TaskField[];
