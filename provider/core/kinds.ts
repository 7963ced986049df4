/**
 * The registry of resource kinds: every kind the provider serves, once, with everything the
 * front doors, the plugin's schema, recovery and the docs need to know about it. Nothing else
 * keeps a list of kinds: the dynamic runtime and the plugin dispatch by it, the schema and the
 * reference pages are generated from it, and `pulumi-acp`'s recovery reads which kinds it adopts.
 *
 * A kind missing a piece does not compile (`satisfies` below), and test/core/kinds.test.ts checks
 * that each entry is served by its doors and described by the schema. A kind is served by both
 * doors (the dynamic resources and the plugin) unless its `doors` say the plugin only.
 */
import type { z } from "zod";
import { Run as ApiRun, Task as ApiTask, Thread as ApiThread } from "../client/schemas";
import type { FieldTable } from "./fields";
import { redacting } from "./redacting";
import type { Props, ResourceCore } from "./types";
import { TASK_FIELDS } from "./task/fields";
import { TaskInputs, TaskProviderImpl } from "./task/provider";
import { TASK_THREAD_FIELDS } from "./task-thread/fields";
import { TaskThreadInputs, TaskThreadProviderImpl } from "./task-thread/provider";
import { THREAD_RESOURCE_FIELDS } from "./thread/fields";
import { ThreadInputs, ThreadProviderImpl } from "./thread/provider";
import { RUN_EVENTS_KEPT, RUN_FIELDS } from "./agent-run/fields";
import { AgentRunInputs, AgentRunProviderImpl } from "./agent-run/provider";
import { SPRINT_FIELDS } from "./sprint/fields";
import { SprintInputs, SprintProviderImpl } from "./sprint/provider";

/**
 * How an existing object is named to `pulumi import` (the plugin) and to `read` (refresh): the
 * resource's id, or a path that also names the parent the API needs to find it.
 */
export interface ImportId {
  /** The form, as the schema's description shows it: `the task's id`, `<taskId>/<threadId>`. */
  readonly form: string;
  /** An example id, shown in a `pulumi import` command line, when the id is the object's own. */
  readonly example?: string;
}

/**
 * What `pulumi-acp`'s recovery does with objects of this kind that a killed run created and the
 * state does not hold: `task`, found by the run's metadata entry; `linked-thread`, found through
 * the tasks of the run that link it; `none`, left alone.
 */
export type Recovery = "task" | "linked-thread" | "none";

/** The pieces every kind has: its name, plugin token, field table, schemas, core and recovery. */
interface KindPieces<Name extends string, Inputs extends Props, Outputs extends Props> {
  /** The resource's name in every language: `Task`. */
  readonly name: Name;
  /** The plugin's type token. */
  readonly pluginToken: `acp:index:${Name}`;
  /** The field-policy table: every property, input or output, with its policy and doc. */
  readonly fields: FieldTable;
  /** The inputs check accepts (strict): the schema's input types come from it. */
  readonly inputs: z.ZodObject;
  /** The object as the API returns it: the types of the outputs the API sets. */
  readonly api: z.ZodObject;
  /** What the resource is, for the schema and the reference page (first sentence first). */
  readonly description: string;
  /** How an existing object is imported or read without a state. */
  readonly importId: ImportId;
  /** Whether and how recovery adopts objects of this kind. */
  readonly recovery: Recovery;
  /** The implementation, behind the one interface every kind satisfies. */
  readonly core: ResourceCore<Inputs, Outputs>;
}

/** A kind served by both front doors: the dynamic resources and the plugin. */
export interface BothDoorsKind<
  Name extends string = string,
  Inputs extends Props = Props,
  Outputs extends Props = Props,
> extends KindPieces<Name, Inputs, Outputs> {
  /** Both doors: the default. */
  readonly doors?: "both";
  /** The dynamic resource's type token (`new dynamic.Resource(..., "acp", name)`). */
  readonly dynamicToken: `pulumi-nodejs:dynamic/acp:${Name}`;
  /**
   * The module whose exports are the kind's serialized dynamic provider, as existing states
   * record it: never rename one (see provider/dynamic/shim.ts).
   */
  readonly providerModule: `pulumi-acp/providers/${string}`;
}

/**
 * A kind served by the plugin only: its TypeScript class is a `CustomResource` of the plugin's
 * token, so it has no dynamic token and no serialized provider module.
 */
export interface PluginOnlyKind<
  Name extends string = string,
  Inputs extends Props = Props,
  Outputs extends Props = Props,
> extends KindPieces<Name, Inputs, Outputs> {
  readonly doors: "plugin";
  readonly dynamicToken?: never;
  readonly providerModule?: never;
}

/** One resource kind: its name, tokens, field table, schemas, core and recovery. */
export type ResourceKind<
  Name extends string = string,
  Inputs extends Props = Props,
  Outputs extends Props = Props,
> = BothDoorsKind<Name, Inputs, Outputs> | PluginOnlyKind<Name, Inputs, Outputs>;

/** Every resource kind, by the name the code uses. */
export const RESOURCE_KINDS = {
  task: {
    name: "Task",
    dynamicToken: "pulumi-nodejs:dynamic/acp:Task",
    pluginToken: "acp:index:Task",
    providerModule: "pulumi-acp/providers/task",
    fields: TASK_FIELDS,
    inputs: TaskInputs,
    api: ApiTask,
    description: "An ACP task. Its id is the task's id.",
    importId: { form: "the task's id", example: "task_123" },
    recovery: "task",
    core: redacting(new TaskProviderImpl()),
  },
  taskThread: {
    name: "TaskThread",
    dynamicToken: "pulumi-nodejs:dynamic/acp:TaskThread",
    pluginToken: "acp:index:TaskThread",
    providerModule: "pulumi-acp/providers/task-thread",
    fields: TASK_THREAD_FIELDS,
    inputs: TaskThreadInputs,
    api: ApiThread,
    description: "A thread in which an agent works on a task. Its id is the thread's id.",
    importId: { form: "<taskId>/<threadId>" },
    recovery: "linked-thread",
    core: redacting(new TaskThreadProviderImpl()),
  },
  thread: {
    name: "Thread",
    dynamicToken: "pulumi-nodejs:dynamic/acp:Thread",
    pluginToken: "acp:index:Thread",
    providerModule: "pulumi-acp/providers/thread",
    fields: THREAD_RESOURCE_FIELDS,
    inputs: ThreadInputs,
    api: ApiThread,
    description:
      "A conversation thread (POST /v1/threads) whose first message, when set, the agent runs as the thread is created. Its id is the thread's id.",
    importId: { form: "the thread's id", example: "thr_123" },
    recovery: "none",
    core: redacting(new ThreadProviderImpl()),
  },
  agentRun: {
    name: "AgentRun",
    dynamicToken: "pulumi-nodejs:dynamic/acp:AgentRun",
    pluginToken: "acp:index:AgentRun",
    providerModule: "pulumi-acp/providers/agent-run",
    fields: RUN_FIELDS,
    inputs: AgentRunInputs,
    api: ApiRun,
    description: `An agent runtime run (POST /v1/servers/{serverId}/runs): the agent runs once, when the resource is created, and again only when an input that replaces it changes (triggers, for one) or the run failed. The API cannot change or delete a run: changing its title or metadata replaces it, and delete forgets it (the run stays on its server). Outputs keep the last ${RUN_EVENTS_KEPT} events. Its id is the run's id.`,
    importId: { form: "<serverId>/<runId>" },
    recovery: "none",
    core: redacting(new AgentRunProviderImpl()),
  },
  sprint: {
    name: "Sprint",
    doors: "plugin",
    pluginToken: "acp:index:Sprint",
    fields: SPRINT_FIELDS,
    inputs: SprintInputs,
    api: ApiTask,
    description:
      "A whole task graph as one resource: the provider creates its tasks in dependency order, updates each changed task with one PATCH of the changed fields, and deletes dependents first, making the API calls itself in one engine step. Its id is the Sprint's own (sprint-<32 hex digits>); its tasks' ids are in taskIds.",
    importId: { form: "not imported: declare its tasks with adoptExistingId" },
    recovery: "none",
    core: redacting(new SprintProviderImpl()),
  },
} as const satisfies { readonly [kind: string]: ResourceKind };

/** The resource kinds, by the name the code uses (`task`, `taskThread`, ...). */
export type ProviderKind = keyof typeof RESOURCE_KINDS;

/** Every kind's code name, in registry order. */
export const PROVIDER_KINDS = Object.keys(RESOURCE_KINDS) as ProviderKind[];

/** The kinds the dynamic door serves (every kind but the plugin-only ones). */
export type DynamicKind = {
  [K in ProviderKind]: (typeof RESOURCE_KINDS)[K] extends { dynamicToken: string } ? K : never;
}[ProviderKind];

/** Whether the dynamic door serves `kind`. */
export function isDynamicKind(kind: ProviderKind): kind is DynamicKind {
  return (RESOURCE_KINDS[kind] as ResourceKind).doors !== "plugin";
}

/** The kinds the dynamic door serves, in registry order. */
export const DYNAMIC_KINDS = PROVIDER_KINDS.filter(isDynamicKind);

/** A kind's dynamic type token, if the dynamic door serves it. */
export function dynamicTokenOf(kind: ResourceKind): string | undefined {
  return kind.doors === "plugin" ? undefined : kind.dynamicToken;
}

/** The one implementation of a resource kind in this process, typed as the kind declares it. */
export function providerCore<K extends ProviderKind>(kind: K): (typeof RESOURCE_KINDS)[K]["core"] {
  const entry = RESOURCE_KINDS[kind];
  if (!entry) throw new Error(`pulumi-acp: unknown provider kind "${kind}"; upgrade pulumi-acp`);
  return entry.core;
}

/** A kind's implementation as a front door holds it: over the engine's property bags. */
export function doorCore(kind: ProviderKind): ResourceCore {
  return providerCore(kind);
}

/** The kind whose plugin or dynamic type token is `token`, if any. */
export function kindOfToken(token: string): ProviderKind | undefined {
  return PROVIDER_KINDS.find(
    (k) => RESOURCE_KINDS[k].pluginToken === token || dynamicTokenOf(RESOURCE_KINDS[k]) === token,
  );
}

/** The type tokens (both doors') of the kinds recovery adopts as `recovery`. */
export function tokensRecovered(recovery: Recovery): Set<string> {
  return new Set(
    PROVIDER_KINDS.filter((k) => RESOURCE_KINDS[k].recovery === recovery).flatMap((k) => [
      ...[dynamicTokenOf(RESOURCE_KINDS[k])].filter((t): t is string => t !== undefined),
      RESOURCE_KINDS[k].pluginToken,
    ]),
  );
}

/** The schema's description of a kind: what it is, and how to import one. */
export function kindDescription(kind: ResourceKind): string {
  const { form, example } = kind.importId;
  const how = example ? `${form}: pulumi import ${kind.pluginToken} NAME ${example}` : form;
  return `${kind.description} Import with ${how}.`;
}
