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

import { redactError } from "../client/redact";
import { providerSecrets } from "./settings";
import { TaskProviderImpl } from "./task/provider";
import { TaskThreadProviderImpl } from "./task-thread/provider";
import { ThreadProviderImpl } from "./thread/provider";
import { AgentRunProviderImpl } from "./agent-run/provider";

/** The resource kinds of the core, by the name the front doors use. */
export type ProviderKind = "task" | "taskThread" | "thread" | "agentRun";

/**
 * The core's choke point: every operation of `impl` (check, diff, create, read, update,
 * delete), through either front door, raises its errors only after {@link redactError} has
 * taken the provider's secrets out of them — a partial create's `id` and every other field
 * stay — and with a partial create's or update's message as its `reasons`: the engine shows
 * only those of an error that carries an `id` ("resource init failed" otherwise).
 */
function redacting<T extends object>(impl: T): T {
  return new Proxy(impl, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        try {
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          return result instanceof Promise
            ? result.catch((err: unknown) => {
                throw withReasons(redactError(err, providerSecrets()));
              })
            : result;
        } catch (err) {
          throw withReasons(redactError(err, providerSecrets()));
        }
      };
    },
  });
}

/** A partial create's or update's message as the reasons the engine shows (see redacting). */
function withReasons(err: unknown): unknown {
  const partial = err as { id?: unknown; message?: unknown; reasons?: unknown };
  if (err instanceof Error && partial.id && partial.reasons === undefined) {
    partial.reasons = [err.message];
  }
  return err;
}

const implementations = {
  task: redacting(new TaskProviderImpl()),
  taskThread: redacting(new TaskThreadProviderImpl()),
  thread: redacting(new ThreadProviderImpl()),
  agentRun: redacting(new AgentRunProviderImpl()),
};

/** The one implementation of a resource kind in this process. */
export function providerCore<K extends ProviderKind>(kind: K): (typeof implementations)[K] {
  const impl = implementations[kind];
  if (!impl) throw new Error(`pulumi-acp: unknown provider kind "${kind}"; upgrade pulumi-acp`);
  return impl;
}
