/**
 * The outputs every thread has, whichever way it was made (a TaskThread's start-thread or
 * run-thread, a Thread's `POST /v1/threads`): the thread's own fields as the API returns them.
 * Both kinds' tables (task-thread/fields.ts, thread/fields.ts) spread these rows in.
 */
import type { FieldTable } from "./fields";

/** The thread's fields as the API returns them, in registration order. */
export const THREAD_OUTPUT_ROWS = {
  messageCount: { input: false, source: "api", doc: "Messages in the thread." },
  lastMessageAt: {
    input: false,
    source: "api",
    doc: "When the last message was posted (ISO 8601).",
  },
  lastMessagePreview: { input: false, source: "api", doc: "The start of the last message." },
  inputTokens: { input: false, source: "api", doc: "Input tokens used by the thread." },
  outputTokens: { input: false, source: "api", doc: "Output tokens used by the thread." },
  totalCost: { input: false, source: "api", doc: "Cost of the thread." },
  environmentMinutes: { input: false, source: "api", doc: "Minutes of computer time used." },
  environmentName: { input: false, source: "api", doc: "Name of the computer." },
  agentName: { input: false, source: "api", doc: "Name of the agent." },
  teamExecution: {
    input: false,
    source: "api",
    doc: "Team execution details, when a team of agents runs the thread.",
  },
  subagentActivity: { input: false, source: "api", doc: "Activity of the team's subagents." },
  createdAt: { input: false, source: "api", doc: "When the thread was created (ISO 8601)." },
  updatedAt: { input: false, source: "api", doc: "When the thread last changed (ISO 8601)." },
} as const satisfies FieldTable;
