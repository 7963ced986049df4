/**
 * pulumi-acp: Pulumi resources for the ACP agent platform (tasks, their dependencies and the
 * threads agents work in), and the typed ACP API client they are built on.
 */
export * from "./client";
export { Task, type TaskArgs } from "./dynamic/task";
export { TaskThread, type TaskThreadArgs } from "./dynamic/task-thread";
export type { ThreadMode, OnBlocked } from "./dynamic/task-thread-provider";
export { CONFIG_KEYS } from "./dynamic/settings";
export { TASK_OUTPUT_FIELDS, THREAD_OUTPUT_FIELDS } from "./dynamic/fields";
export * from "./components";
export { sprintProgram } from "./cli/sprint-program";
