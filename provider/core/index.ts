/**
 * The provider core: one folder per resource kind (its field-policy table and its check / diff
 * / create / read / update / delete), the registry that lists the kinds (./kinds.ts), the
 * connection settings, and the value helpers. It knows
 * no Pulumi interface: provider/dynamic and provider/plugin are the two front doors over it.
 */
export {
  CONFIG_KEYS,
  acpClient,
  configureProvider,
  configureFromStack,
  type ConfigLookup,
} from "./settings";
export { diffFields, fieldEqual, fieldsWhere, type FieldPolicy, type FieldTable } from "./fields";
export { UNKNOWN } from "./compare";
export type * from "./types";
export {
  TASK_FIELDS,
  TASK_INPUT_FIELDS,
  TASK_OUTPUT_FIELDS,
  type TaskField,
  type TaskInputField,
} from "./task/fields";
export { TaskInputs, TaskProviderImpl } from "./task/provider";
export {
  DEFAULT_POLL_INTERVAL_SECONDS,
  DEFAULT_WAIT_TIMEOUT_SECONDS,
  ON_BLOCKED,
  TASK_THREAD_FIELDS,
  TASK_THREAD_INPUT_FIELDS,
  TASK_THREAD_OUTPUT_FIELDS,
  THREAD_FIELDS,
  THREAD_INPUT_FIELDS,
  THREAD_MODES,
  THREAD_OUTPUT_FIELDS,
  type OnBlocked,
  type TaskThreadField,
  type ThreadField,
  type ThreadMode,
} from "./task-thread/fields";
export { TaskThreadInputs, TaskThreadProviderImpl, ThreadSettings } from "./task-thread/provider";
export {
  THREAD_RESOURCE_FIELDS,
  THREAD_RESOURCE_INPUT_FIELDS,
  THREAD_RESOURCE_OUTPUT_FIELDS,
  type ThreadResourceField,
} from "./thread/fields";
export { ThreadInputs, ThreadProviderImpl } from "./thread/provider";
export {
  DEFAULT_RUN_POLL_INTERVAL_SECONDS,
  DEFAULT_RUN_WAIT_TIMEOUT_SECONDS,
  RUN_EVENTS_KEPT,
  RUN_FIELDS,
  RUN_INPUT_FIELDS,
  RUN_OUTPUT_FIELDS,
  type RunField,
} from "./agent-run/fields";
export { AgentRunInputs, AgentRunProviderImpl } from "./agent-run/provider";
export { SPRINT_FIELDS } from "./sprint/fields";
export { SprintProviderImpl, sprintIdOf, type SprintOutputs } from "./sprint/provider";
export {
  DEFAULT_CONCURRENCY,
  SprintDefaults,
  SprintInputs,
  SprintTaskInputs,
  SPRINT_TASK_FIELDS,
} from "./sprint/inputs";
export type { SprintTaskState, SprintTasksState } from "./sprint/state";
export {
  RESOURCE_KINDS,
  PROVIDER_KINDS,
  DYNAMIC_KINDS,
  dynamicTokenOf,
  isDynamicKind,
  type BothDoorsKind,
  type DynamicKind,
  type PluginOnlyKind,
  doorCore,
  kindDescription,
  kindOfToken,
  providerCore,
  tokensRecovered,
  type ImportId,
  type ProviderKind,
  type Recovery,
  type ResourceKind,
} from "./kinds";
