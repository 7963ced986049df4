/**
 * The TaskThread's field-policy table: every property of an `acp:TaskThread`, once (see
 * ../fields.ts). A thread is made by start-thread or run-thread; only its title and metadata
 * can change in place (`PATCH /v1/threads/{id}`); what the call returned is kept.
 */
import { z } from "zod";
import { Execution, TaskStatus } from "../../client/schemas";
import { fieldsWhere, type FieldTable } from "../fields";
import { THREAD_OUTPUT_ROWS } from "../thread-outputs";

/** How a thread is made: `start` (start-thread) or `run` (run-thread). */
export const THREAD_MODES = ["start", "run"] as const;
/** How a thread is made: `start` (start-thread) or `run` (run-thread). */
export type ThreadMode = (typeof THREAD_MODES)[number];

/** What to do when the task's dependencies are not all done. */
export const ON_BLOCKED = ["fail", "wait"] as const;
/** What to do when the task's dependencies are not all done. */
export type OnBlocked = (typeof ON_BLOCKED)[number];

/** Default wait for a blocked task, in seconds, when `onBlocked` is `wait`. */
export const DEFAULT_WAIT_TIMEOUT_SECONDS = 600;
/** Default pause between two attempts on a blocked task, in seconds. */
export const DEFAULT_POLL_INTERVAL_SECONDS = 2;

/** Every property of a TaskThread, in registration order. */
export const TASK_THREAD_FIELDS = {
  taskId: {
    input: true,
    source: "state",
    replaces: true,
    required: true,
    doc: "The task to work on. Changing it replaces the thread.",
  },
  mode: {
    input: true,
    source: "state",
    replaces: true,
    default: "start",
    doc: "`start` (default): start-thread, the task's first thread (409 if it has one already). `run`: run-thread, a new thread whose prompt the agent runs synchronously during up. Changing it replaces the thread.",
  },
  agentId: {
    input: true,
    source: "api",
    replaces: true,
    echo: true,
    doc: "Agent to work on the task. Unset: the API's choice. Changing it replaces the thread.",
  },
  environmentId: {
    input: true,
    source: "api",
    replaces: true,
    echo: true,
    doc: "Computer the agent works on. Unset: the API's choice. Changing it replaces the thread.",
  },
  moveToInProgress: {
    input: true,
    source: "state",
    doc: "Move the task to in_progress when the thread starts. Default false.",
  },
  message: {
    input: true,
    source: "state",
    replaces: true,
    doc: "Prompt of a `run` thread (default: the task's own text). Changing it replaces the thread.",
  },
  title: { input: true, source: "api", inPlace: true, doc: "Thread title; updated in place." },
  metadata: {
    input: true,
    source: "api",
    inPlace: true,
    compare: "deep",
    doc: "Free-form JSON metadata; updated in place.",
  },
  triggers: {
    input: true,
    source: "state",
    replaces: true,
    compare: "deep",
    doc: "Any JSON array, kept in the state only. Changing it replaces the thread (a `run` thread runs its prompt again, exactly once); the same value (object keys in any order) is no change.",
  },
  onBlocked: {
    input: true,
    source: "state",
    doc: "When the task's dependencies are not all done: `fail` (default) fails at once; `wait` tries again every pollIntervalSeconds until waitTimeoutSeconds have passed.",
  },
  waitTimeoutSeconds: {
    input: true,
    source: "state",
    doc: `How long \`wait\` waits, in seconds. Default ${DEFAULT_WAIT_TIMEOUT_SECONDS}.`,
  },
  pollIntervalSeconds: {
    input: true,
    source: "state",
    doc: `Pause between attempts while waiting, in seconds. Default ${DEFAULT_POLL_INTERVAL_SECONDS}.`,
  },
  status: {
    present: true,
    input: false,
    source: "api",
    doc: "The thread's lifecycle status: active, running, completed, failed or cancelled.",
  },
  projectId: { input: false, source: "api", doc: "Project of the thread." },
  appId: { input: false, source: "api", doc: "App of the thread." },
  prompt: {
    input: false,
    source: "api",
    apiName: "task",
    doc: "The thread's prompt text (the API's `thread.task`).",
  },
  ...THREAD_OUTPUT_ROWS,
  taskStatus: {
    input: false,
    source: "call",
    type: TaskStatus,
    doc: "The task's status right after the thread was started or run.",
  },
  execution: {
    input: false,
    source: "call",
    type: Execution,
    doc: "`run` mode: the synchronous execution (success, response, actions, durationMs, usage).",
  },
  subtaskIds: {
    input: false,
    source: "call",
    type: z.array(z.string()),
    doc: "`run` mode: ids of the subtasks the run created.",
  },
} as const satisfies FieldTable;

/** A property of a TaskThread. */
export type TaskThreadField = keyof typeof TASK_THREAD_FIELDS;

/** TaskThread inputs, in registration order. */
export const TASK_THREAD_INPUT_FIELDS = fieldsWhere(
  TASK_THREAD_FIELDS,
  (p) => p.input,
) as TaskThreadField[];

/** Every output of a TaskThread: its inputs, the thread's fields, and what the call returned. */
export const TASK_THREAD_OUTPUT_FIELDS = Object.keys(TASK_THREAD_FIELDS) as TaskThreadField[];

/** @deprecated The TaskThread's table: use {@link TASK_THREAD_FIELDS} (a Thread's is THREAD_RESOURCE_FIELDS). */
export const THREAD_FIELDS = TASK_THREAD_FIELDS;
/** @deprecated Use {@link TASK_THREAD_INPUT_FIELDS}. */
export const THREAD_INPUT_FIELDS = TASK_THREAD_INPUT_FIELDS;
/** @deprecated Use {@link TASK_THREAD_OUTPUT_FIELDS}. */
export const THREAD_OUTPUT_FIELDS = TASK_THREAD_OUTPUT_FIELDS;
/** @deprecated Use {@link TaskThreadField}. */
export type ThreadField = TaskThreadField;
