/**
 * The property names of the two resources, in one place: the resource classes seed their
 * outputs from these lists (Pulumi exposes only outputs present at registration), and the
 * providers use them to tell inputs from what the API fills in.
 */

/** Task fields a program can set, in the API's own names. */
export const TASK_INPUT_FIELDS = [
  "title",
  "description",
  "projectId",
  "releaseId",
  "sprintId",
  "status",
  "priority",
  "assigneeAgentId",
  "dependencyIds",
  "scheduledStartAt",
  "scheduledEndAt",
  "dueAt",
  "completedAt",
  "sortOrder",
  "metadata",
] as const;
export type TaskInputField = (typeof TASK_INPUT_FIELDS)[number];

/** Every output of a Task: its inputs, what the API sets, and what the provider records. */
export const TASK_OUTPUT_FIELDS = [
  ...TASK_INPUT_FIELDS,
  "adoptExistingId",
  "userId",
  "linkedThreadIds",
  "lastStartedThreadId",
  "createdAt",
  "updatedAt",
  "managedFields",
] as const;

/** TaskThread inputs. */
export const THREAD_INPUT_FIELDS = [
  "taskId",
  "mode",
  "agentId",
  "environmentId",
  "moveToInProgress",
  "message",
  "title",
  "metadata",
  "onBlocked",
  "waitTimeoutSeconds",
  "pollIntervalSeconds",
] as const;

/** Every output of a TaskThread: its inputs, the thread's fields, and what the call returned. */
export const THREAD_OUTPUT_FIELDS = [
  ...THREAD_INPUT_FIELDS,
  "status",
  "projectId",
  "appId",
  "prompt",
  "messageCount",
  "lastMessageAt",
  "lastMessagePreview",
  "inputTokens",
  "outputTokens",
  "totalCost",
  "environmentMinutes",
  "environmentName",
  "agentName",
  "teamExecution",
  "subagentActivity",
  "createdAt",
  "updatedAt",
  "taskStatus",
  "execution",
  "subtaskIds",
] as const;
