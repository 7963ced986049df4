/**
 * The Thread's field-policy table: every property of an `acp:Thread`, once (see ../fields.ts).
 * A thread is made by `POST /v1/threads`; only its title and metadata can change in place
 * (`PATCH /v1/threads/{id}`). The first message (`content`, or its legacy alias `task`) runs
 * when the thread is created, so changing it, or `triggers`, makes a new thread.
 */
import { fieldsWhere, type FieldTable } from "../fields";
import { THREAD_OUTPUT_ROWS } from "../thread-outputs";

/** Every property of a Thread, in registration order. */
export const THREAD_RESOURCE_FIELDS = {
  projectId: {
    input: true,
    source: "api",
    replaces: true,
    echo: true,
    doc: "Project of the thread. Unset: the API's choice. Changing it replaces the thread.",
  },
  environmentId: {
    input: true,
    source: "api",
    replaces: true,
    echo: true,
    doc: "Computer the agent works on. Unset: the API's choice. Changing it replaces the thread.",
  },
  agentId: {
    input: true,
    source: "api",
    replaces: true,
    echo: true,
    doc: "Agent of the thread. Unset: the API's choice. Changing it replaces the thread.",
  },
  appId: {
    input: true,
    source: "api",
    replaces: true,
    echo: true,
    doc: "App of the thread. Changing it replaces the thread.",
  },
  title: { input: true, source: "api", inPlace: true, doc: "Thread title; updated in place." },
  content: {
    input: true,
    source: "state",
    replaces: true,
    doc: "The first message, run by the agent as the thread is created (paid work: it costs an agent execution). Unset: an empty thread, which costs nothing. Changing it replaces the thread, running the new message once.",
  },
  task: {
    input: true,
    source: "state",
    replaces: true,
    doc: "Legacy alias of content: set one or the other, not both. Moving the same text from one to the other is not a change.",
  },
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
    doc: "Any JSON array, kept in the state only. Changing it replaces the thread, so its first message runs again exactly once; the same value (object keys in any order) is no change.",
  },
  stream: {
    input: true,
    source: "state",
    doc: "Must be false or unset: a resource cannot stream. The thread is created without streaming; stream is never sent.",
  },
  status: {
    present: true,
    input: false,
    source: "api",
    doc: "The thread's lifecycle status: active, running, completed, failed or cancelled. A first message the agent failed on leaves it failed (change triggers to run it again).",
  },
  prompt: {
    input: false,
    source: "api",
    apiName: "task",
    doc: "The thread's prompt text as the API holds it (the API's `thread.task`): the first message.",
  },
  ...THREAD_OUTPUT_ROWS,
} as const satisfies FieldTable;

/** A property of a Thread. */
export type ThreadResourceField = keyof typeof THREAD_RESOURCE_FIELDS;

/** Thread inputs, in registration order. */
export const THREAD_RESOURCE_INPUT_FIELDS = fieldsWhere(
  THREAD_RESOURCE_FIELDS,
  (p) => p.input,
) as ThreadResourceField[];

/** Every output of a Thread: its inputs and the thread's fields. */
export const THREAD_RESOURCE_OUTPUT_FIELDS = Object.keys(
  THREAD_RESOURCE_FIELDS,
) as ThreadResourceField[];
