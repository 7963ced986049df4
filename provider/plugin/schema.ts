/**
 * The `acp` package schema, generated from the zod schemas (the inputs the core checks, the
 * objects the API returns) and the field-policy tables (which property is an input, an output,
 * its default and its doc). Never written by hand: test/plugin/schema.test.ts fails when the
 * committed copy (schema.json, for review) or the core's behaviour disagree with it.
 */
import { z } from "zod";
import { DEFAULTS, ENV } from "../client/config";
import { VERSION } from "../client/version";
import {
  CONFIG_KEYS,
  kindDescription,
  PROVIDER_KINDS,
  RESOURCE_KINDS,
  ThreadSettings,
  type FieldTable,
  type ProviderKind,
} from "../core";
import {
  jsonSchemaOf,
  typeRef,
  TypeMapper,
  type JsonSchema,
  type PropertySpec,
} from "./schema-types";
import { SPRINT_NESTED, sprintSpec, sprintTypes } from "./schema-sprint";

export type { PropertySpec, TypeSpec } from "./schema-types";

/** The resource types of the package: every kind's plugin token (see core/kinds.ts), and the TaskGraph. */
export const TYPE_TOKENS = {
  ...(Object.fromEntries(PROVIDER_KINDS.map((k) => [k, RESOURCE_KINDS[k].pluginToken])) as {
    [K in ProviderKind]: (typeof RESOURCE_KINDS)[K]["pluginToken"];
  }),
  taskGraph: "acp:index:TaskGraph",
} as const;

function docOf(doc: string, js: JsonSchema): string {
  const values = [js, ...(js.anyOf ?? [])].flatMap((v) => v.enum ?? []);
  return values.length > 0 ? `${doc} One of: ${values.join(", ")}.` : doc;
}

/** The input and output properties of a resource kind, from its table and its zod schemas. */
function resourceSpec(table: FieldTable, inputs: z.ZodObject, api: z.ZodObject, types: TypeMapper) {
  const inputJs = jsonSchemaOf(inputs);
  const apiShape = api.shape as Record<string, z.ZodType>;
  const inputProperties: Record<string, PropertySpec> = {};
  const properties: Record<string, PropertySpec> = {};
  const requiredInputs: string[] = [];
  for (const [field, policy] of Object.entries(table)) {
    let js: JsonSchema | undefined;
    if (policy.input) js = inputJs.properties?.[field];
    else if (policy.type) js = jsonSchemaOf(policy.type);
    else {
      const apiType = apiShape[policy.apiName ?? field];
      if (apiType) js = jsonSchemaOf(apiType);
    }
    if (!js)
      throw new Error(`schema: no type for ${field}: add it to the zod schemas or the table`);
    const spec: PropertySpec = {
      ...types.propertyOf(js, field),
      description: docOf(policy.doc, js),
    };
    if (policy.default !== undefined) spec.default = policy.default;
    properties[field] = { ...spec };
    if (policy.input) {
      // Replacement is the provider's answer in diff: the schema does not also ask the engine
      // (replaceOnChanges), whose own input diff would replace an imported thread.
      inputProperties[field] = spec;
      if (policy.required) requiredInputs.push(field);
    }
  }
  return { inputProperties, requiredInputs, properties };
}

/** The provider's configuration: `acp:baseUrl`, `acp:token` (secret), ... (see CONFIG_KEYS). */
function configSpec(): Record<string, PropertySpec> {
  const name = (key: string) => key.slice("acp:".length);
  return {
    [name(CONFIG_KEYS.baseUrl)]: {
      type: "string",
      description: `Base URL of the ACP API, e.g. https://api.example.com (without /v1). Env ${ENV.baseUrl}.`,
    },
    [name(CONFIG_KEYS.token)]: {
      type: "string",
      secret: true,
      description: `Bearer token of the ACP API. Env ${ENV.token}. Never written to the state.`,
    },
    [name(CONFIG_KEYS.timeoutMs)]: {
      type: "integer",
      description: `Per-attempt timeout in milliseconds. Env ${ENV.timeoutMs}. Default ${DEFAULTS.timeoutMs}.`,
    },
    [name(CONFIG_KEYS.maxRetries)]: {
      type: "integer",
      description: `Retries after the first attempt. Env ${ENV.maxRetries}. Default ${DEFAULTS.maxRetries}.`,
    },
    [name(CONFIG_KEYS.allowInsecureHttp)]: {
      type: "boolean",
      description: `Allow plain http:// to a non-loopback host. Env ${ENV.allowInsecureHttp}. Default false.`,
    },
  };
}

/** The `acp` package schema for `version`. */
export function packageSchema(version: string) {
  const types = new TypeMapper();
  const specs = Object.fromEntries(
    PROVIDER_KINDS.map((k) => {
      const kind = RESOURCE_KINDS[k];
      if (k !== "sprint") return [k, resourceSpec(kind.fields, kind.inputs, kind.api, types)];
      const flat = Object.fromEntries(
        Object.entries(kind.fields).filter(([f]) => !SPRINT_NESTED.includes(f)),
      );
      return [k, sprintSpec(resourceSpec(flat, kind.inputs, kind.api, types))];
    }),
  ) as KindSpecs;
  const config = configSpec();
  return {
    name: "acp",
    displayName: "ACP",
    version,
    description:
      "ACP agent platform: tasks, their dependencies and the threads agents work in, as code.",
    license: "Apache-2.0",
    config: { variables: config },
    provider: { description: "The ACP provider: one API account.", inputProperties: config },
    types: { ...types.types, ...taskGraphTypes(specs), ...sprintTypes(specs.task) },
    resources: {
      ...Object.fromEntries(
        PROVIDER_KINDS.map((k) => [
          RESOURCE_KINDS[k].pluginToken,
          { description: kindDescription(RESOURCE_KINDS[k]), ...specs[k] },
        ]),
      ),
      [TYPE_TOKENS.taskGraph]: taskGraphSpec(),
    },
  };
}

/** The schema of each resource kind, by kind. */
type KindSpecs = Record<ProviderKind, ReturnType<typeof resourceSpec>>;

/** The object types of the TaskGraph's inputs, built from the kinds' input properties. */
function taskGraphTypes(specs: KindSpecs) {
  const { task, taskThread: thread, thread: standaloneThread, agentRun: run } = specs;
  const taskProps = (omit: string[]) =>
    Object.fromEntries(Object.entries(task.inputProperties).filter(([k]) => !omit.includes(k)));
  const threadSettings = Object.fromEntries(
    Object.keys(ThreadSettings.shape).map((k) => [k, thread.inputProperties[k]]),
  );
  const dependsOn: PropertySpec = {
    type: "array",
    items: { type: "string" },
    description: "Keys of the graph's tasks to create first.",
  };
  return {
    "acp:index:TaskGraphThread": {
      type: "object",
      description:
        "The thread a TaskGraph starts or runs for one task: TaskThread inputs but taskId.",
      properties: threadSettings,
      required: ["mode"],
    },
    "acp:index:TaskGraphTask": {
      type: "object",
      description: "One task of a TaskGraph: Task inputs, with dependencies named by key.",
      properties: {
        ...taskProps(["dependencyIds"]),
        dependsOn: {
          type: "array",
          items: { type: "string" },
          description: "Keys (in the same graph) of the tasks that must be done first.",
        },
        thread: {
          ...typeRef("TaskGraphThread"),
          description: "A thread to start or run for the task.",
        },
      },
      required: ["title"],
    },
    "acp:index:TaskGraphProjectThread": {
      type: "object",
      description: "A thread of a TaskGraph outside any task: a Thread's inputs, and dependsOn.",
      properties: { ...standaloneThread.inputProperties, dependsOn },
    },
    "acp:index:TaskGraphRun": {
      type: "object",
      description: "An agent run of a TaskGraph: an AgentRun's inputs, and dependsOn.",
      properties: { ...run.inputProperties, dependsOn },
      required: ["serverId"],
    },
    "acp:index:TaskGraphDefaults": {
      type: "object",
      description: "Task inputs applied to every task of the graph that does not set them.",
      properties: taskProps(["title", "dependencyIds", "adoptExistingId"]),
    },
  };
}

/** The TaskGraph component's resource spec: its inputs and its outputs of ids by key. */
function taskGraphSpec() {
  /** An output of ids by key. */
  const idsByKey = (description: string): PropertySpec => ({
    type: "object",
    additionalProperties: { type: "string" },
    description,
  });
  return {
    isComponent: true,
    description:
      "A set of tasks declared by key, with their dependencies and threads: one Task per key (<name>-<key>) and a TaskThread (<name>-<key>-thread) for each task with a thread; a Thread (<name>-thread-<key>) per threads entry and an AgentRun (<name>-run-<key>) per runs entry.",
    inputProperties: {
      tasks: {
        type: "object",
        additionalProperties: typeRef("TaskGraphTask"),
        description: "The tasks by key.",
      },
      defaults: {
        ...typeRef("TaskGraphDefaults"),
        description: "Inputs applied to every task that does not set them.",
      },
      threads: {
        type: "object",
        additionalProperties: typeRef("TaskGraphProjectThread"),
        description: "Threads outside any task, by key: <name>-thread-<key>.",
      },
      runs: {
        type: "object",
        additionalProperties: typeRef("TaskGraphRun"),
        description: "Agent runs, by key: <name>-run-<key>.",
      },
    },
    requiredInputs: ["tasks"],
    properties: {
      taskIds: idsByKey("The tasks' ids by key."),
      threadIds: idsByKey("The threads' ids by task key."),
      projectThreadIds: idsByKey("The project threads' ids by key (threads)."),
      runIds: idsByKey("The agent runs' ids by key (runs)."),
      mermaid: { type: "string", description: "The graph as a Mermaid flowchart." },
    },
    required: ["taskIds", "threadIds", "projectThreadIds", "runIds", "mermaid"],
  };
}

/** The schema of this version of the package, as the plugin serves it and plugin/schema.json holds it. */
export function schemaText(): string {
  return `${JSON.stringify(packageSchema(VERSION), null, 2)}\n`;
}
