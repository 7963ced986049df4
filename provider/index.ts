/**
 * pulumi-acp: Pulumi resources for the ACP agent platform (tasks, their dependencies and the
 * threads agents work in, the agent runs that set environments up), and the typed ACP API client they are built on.
 */
export * from "./client";
export { Task, type TaskArgs } from "./dynamic/task";
export { TaskThread, type TaskThreadArgs } from "./dynamic/task-thread";
export { Thread, type ThreadArgs } from "./dynamic/thread";
export { AgentRun, type AgentRunArgs } from "./dynamic/agent-run";
export {
  Sprint,
  type SprintArgs,
  type SprintTaskArgs,
  type SprintTaskField,
} from "./plugin-resources/sprint";
export {
  CONFIG_KEYS,
  TASK_FIELDS,
  TASK_OUTPUT_FIELDS,
  THREAD_FIELDS,
  THREAD_OUTPUT_FIELDS,
  THREAD_RESOURCE_FIELDS,
  THREAD_RESOURCE_OUTPUT_FIELDS,
  RUN_FIELDS,
  RUN_OUTPUT_FIELDS,
  RUN_EVENTS_KEPT,
  type FieldPolicy,
  type OnBlocked,
  type ThreadMode,
} from "./core";
export * from "./components";
export { sprintProgram } from "./cli/sprint-program";
