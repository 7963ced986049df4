/**
 * pulumi-acp: Pulumi resources for the ACP agent platform (tasks, their dependencies and the
 * threads agents work in), and the typed ACP API client they are built on.
 */
export * from "./client";
export { Task, type TaskArgs } from "./dynamic/task";
export { TaskThread, type TaskThreadArgs } from "./dynamic/task-thread";
export { Thread, type ThreadArgs } from "./dynamic/thread";
export {
  CONFIG_KEYS,
  TASK_FIELDS,
  TASK_OUTPUT_FIELDS,
  THREAD_FIELDS,
  THREAD_OUTPUT_FIELDS,
  THREAD_RESOURCE_FIELDS,
  THREAD_RESOURCE_OUTPUT_FIELDS,
  type FieldPolicy,
  type OnBlocked,
  type ThreadMode,
} from "./core";
export * from "./components";
export { sprintProgram } from "./cli/sprint-program";
