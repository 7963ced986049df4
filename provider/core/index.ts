/**
 * The provider core: one folder per resource kind (its field-policy table and its check / diff
 * / create / read / update / delete), the connection settings, and the value helpers. It knows
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
  THREAD_FIELDS,
  THREAD_INPUT_FIELDS,
  THREAD_MODES,
  THREAD_OUTPUT_FIELDS,
  type OnBlocked,
  type ThreadField,
  type ThreadMode,
} from "./task-thread/fields";
export { TaskThreadInputs, TaskThreadProviderImpl, ThreadSettings } from "./task-thread/provider";

import { TaskProviderImpl } from "./task/provider";
import { TaskThreadProviderImpl } from "./task-thread/provider";

/** The resource kinds of the core, by the name the front doors use. */
export type ProviderKind = "task" | "taskThread";

const implementations = {
  task: new TaskProviderImpl(),
  taskThread: new TaskThreadProviderImpl(),
};

/** The one implementation of a resource kind in this process. */
export function providerCore<K extends ProviderKind>(kind: K): (typeof implementations)[K] {
  const impl = implementations[kind];
  if (!impl) throw new Error(`pulumi-acp: unknown provider kind "${kind}"; upgrade pulumi-acp`);
  return impl;
}
