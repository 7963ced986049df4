/**
 * The `acp` package schema, generated from the zod schemas (the inputs the core checks, the
 * objects the API returns) and the field-policy tables (which property is an input, an output,
 * its default and its doc). Never written by hand: test/plugin/schema.test.ts fails when the
 * committed copy (schema.json, for review) or the core's behaviour disagree with it.
 */
import { z } from "zod";
import { Run as ApiRun, Task as ApiTask, Thread as ApiThread } from "../client/schemas";
import { DEFAULTS, ENV } from "../client/config";
import { VERSION } from "../client/version";
import {
  AgentRunInputs,
  CONFIG_KEYS,
  RUN_EVENTS_KEPT,
  RUN_FIELDS,
  TASK_FIELDS,
  TaskInputs,
  THREAD_FIELDS,
  TaskThreadInputs,
  THREAD_RESOURCE_FIELDS,
  ThreadInputs,
  ThreadSettings,
  type FieldTable,
} from "../core";

/** A property's type in a Pulumi package schema. */
export interface PropertySpec {
  type?: "string" | "number" | "integer" | "boolean" | "array" | "object";
  items?: PropertySpec;
  additionalProperties?: PropertySpec;
  $ref?: string;
  description?: string;
  default?: unknown;
  secret?: boolean;
}

/** A named type of the schema: an object with known properties, or a string enum. */
export interface TypeSpec {
  type: "object" | "string";
  description?: string;
  properties?: Record<string, PropertySpec>;
  required?: string[];
  enum?: { name: string; value: string }[];
}

type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  required?: string[];
};

/** The resource types of the package. */
export const TYPE_TOKENS = {
  task: "acp:index:Task",
  taskThread: "acp:index:TaskThread",
  thread: "acp:index:Thread",
  agentRun: "acp:index:AgentRun",
  taskGraph: "acp:index:TaskGraph",
} as const;

const ANY: PropertySpec = { $ref: "pulumi.json#/Any" };

/** The token of the package's type `name`. */
const typeToken = (name: string) => `acp:index:${name}`;

/** A reference to the package's type `name`. */
const typeRef = (name: string): PropertySpec => ({ $ref: `#/types/${typeToken(name)}` });

function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
}

/**
 * The enums of the package by their values (in the zod schemas' order), and the name of their
 * type: typed languages then offer the values as constants (`acp.TaskStatusInProgress` in Go), so
 * a misspelled value does not compile.
 */
const ENUM_NAMES: Record<string, { name: string; description: string }> = {
  "backlog,todo,in_progress,blocked,in_review,done": {
    name: "TaskStatus",
    description: "A task's status.",
  },
  "low,medium,high,urgent": { name: "TaskPriority", description: "A task's priority." },
  "start,run": {
    name: "ThreadMode",
    description: "How a task's thread starts: start (the agent is not run) or run (it is).",
  },
  "fail,wait": {
    name: "OnBlocked",
    description: "What a task's thread does while the task's dependencies are not done.",
  },
  "active,running,completed,failed,cancelled": {
    name: "ThreadStatus",
    description: "A thread's status.",
  },
  "sync,async": {
    name: "RunMode",
    description: "Whether an agent run's create waits for its end (sync) or not (async).",
  },
  "queued,running,completed,failed,cancelled": {
    name: "RunStatus",
    description: "An agent run's status.",
  },
};

/**
 * The names of the objects of known shape the API returns, by the field path that holds them
 * (an array's items share its path). Objects of one shape share one type.
 */
const OBJECT_NAMES: Record<string, string> = {
  teamExecution: "TeamExecution",
  "teamExecution.orchestrator": "AgentRef",
  "teamExecution.subagents": "AgentRef",
  subagentActivity: "SubagentActivity",
  execution: "Execution",
  "execution.usage": "ExecutionUsage",
  events: "RunEvent",
};

/** The docs of the object types. */
const OBJECT_DOCS: Record<string, string> = {
  TeamExecution: "Team execution details of a thread run by a team of agents.",
  AgentRef: "An agent of a team.",
  SubagentActivity: "The activity of one of a team's subagents.",
  Execution: "The synchronous execution of a run-mode thread.",
  ExecutionUsage: "The tokens an execution used.",
  RunEvent: "One event of an agent run's log.",
};

/** An enum value's name in typed languages: in_progress is InProgress. */
function enumValueName(value: string): string {
  return value
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join("");
}

/**
 * Maps JSON Schemas (as zod writes them) to Pulumi property types, collecting the named types
 * (enums and objects of known shape) they refer to. Unions of strings (dates) are strings; an
 * object without known properties (metadata) is a map of Any; a value that can be any JSON
 * (triggers) is Any.
 */
export class TypeMapper {
  /** The named types referred to so far, by token. */
  readonly types: Record<string, TypeSpec> = {};

  /** The type of the property at `path` (dot-separated field names). */
  propertyOf(js: JsonSchema, path: string): PropertySpec {
    const variants = (js.anyOf ?? []).filter((v) => v.type !== "null");
    if (variants.length === 1) return this.propertyOf(variants[0], path);
    if (variants.length > 1) {
      const types = new Set(variants.map((v) => this.propertyOf(v, path).type));
      return types.size === 1 && types.has("string") ? { type: "string" } : ANY;
    }
    if (js.enum && js.enum.every((v) => typeof v === "string")) return this.enumOf(js.enum, path);
    const type = Array.isArray(js.type) ? js.type.find((t) => t !== "null") : js.type;
    switch (type) {
      case "string":
      case "number":
      case "integer":
      case "boolean":
        return { type };
      case "array":
        return { type: "array", items: js.items ? this.propertyOf(js.items, path) : ANY };
      case "object":
        return js.properties && Object.keys(js.properties).length > 0
          ? this.objectOf(js.properties, path)
          : { type: "object", additionalProperties: ANY };
      default:
        return ANY;
    }
  }

  /** A reference to the enum type of `values`. */
  private enumOf(values: string[], path: string): PropertySpec {
    const named = ENUM_NAMES[values.join(",")];
    if (!named)
      throw new Error(
        `schema: the enum of ${path} (${values.join(", ")}) has no type name: add it to ENUM_NAMES`,
      );
    return this.define(named.name, {
      type: "string",
      description: named.description,
      enum: values.map((value) => ({ name: enumValueName(value), value })),
    });
  }

  /** A reference to the object type of the fields at `path`. */
  private objectOf(fields: Record<string, JsonSchema>, path: string): PropertySpec {
    const name = OBJECT_NAMES[path];
    if (!name)
      throw new Error(`schema: the object at ${path} has no type name: add it to OBJECT_NAMES`);
    const properties: Record<string, PropertySpec> = {};
    for (const [field, js] of Object.entries(fields))
      properties[field] = this.propertyOf(js, `${path}.${field}`);
    return this.define(name, { type: "object", description: OBJECT_DOCS[name], properties });
  }

  /** Registers `spec` as type `name`, refusing two different types of one name. */
  private define(name: string, spec: TypeSpec): PropertySpec {
    const token = typeToken(name);
    const known = this.types[token];
    if (known && JSON.stringify(known) !== JSON.stringify(spec))
      throw new Error(`schema: two different types are named ${name}`);
    this.types[token] = spec;
    return typeRef(name);
  }
}

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
  const task = resourceSpec(TASK_FIELDS, TaskInputs, ApiTask, types);
  const thread = resourceSpec(THREAD_FIELDS, TaskThreadInputs, ApiThread, types);
  const standaloneThread = resourceSpec(THREAD_RESOURCE_FIELDS, ThreadInputs, ApiThread, types);
  const run = resourceSpec(RUN_FIELDS, AgentRunInputs, ApiRun, types);
  const config = configSpec();
  const taskProps = (omit: string[]) =>
    Object.fromEntries(Object.entries(task.inputProperties).filter(([k]) => !omit.includes(k)));
  const threadSettings = Object.fromEntries(
    Object.keys(ThreadSettings.shape).map((k) => [k, thread.inputProperties[k]]),
  );
  /** An output of ids by key. */
  const idsByKey = (description: string): PropertySpec => ({
    type: "object",
    additionalProperties: { type: "string" },
    description,
  });
  const dependsOn: PropertySpec = {
    type: "array",
    items: { type: "string" },
    description: "Keys of the graph's tasks to create first.",
  };
  return {
    name: "acp",
    displayName: "ACP",
    version,
    description:
      "ACP agent platform: tasks, their dependencies and the threads agents work in, as code.",
    license: "Apache-2.0",
    config: { variables: config },
    provider: { description: "The ACP provider: one API account.", inputProperties: config },
    types: {
      ...types.types,
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
    },
    resources: {
      [TYPE_TOKENS.task]: {
        description:
          "An ACP task. Its id is the task's id. Import with the task's id: pulumi import acp:index:Task NAME task_123.",
        ...task,
      },
      [TYPE_TOKENS.taskThread]: {
        description:
          "A thread in which an agent works on a task. Its id is the thread's id. Import with <taskId>/<threadId>.",
        ...thread,
      },
      [TYPE_TOKENS.thread]: {
        description:
          "A conversation thread (POST /v1/threads) whose first message, when set, the agent runs as the thread is created. Its id is the thread's id. Import with the thread's id: pulumi import acp:index:Thread NAME thr_123.",
        ...standaloneThread,
      },
      [TYPE_TOKENS.agentRun]: {
        description: `An agent runtime run (POST /v1/servers/{serverId}/runs): the agent runs once, when the resource is created, and again only when an input that replaces it changes (triggers, for one) or the run failed. The API cannot change or delete a run: changing its title or metadata replaces it, and delete forgets it (the run stays on its server). Outputs keep the last ${RUN_EVENTS_KEPT} events. Its id is the run's id. Import with <serverId>/<runId>.`,
        ...run,
      },
      [TYPE_TOKENS.taskGraph]: {
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
      },
    },
  };
}

/** The schema of this version of the package, as the plugin serves it and plugin/schema.json holds it. */
export function schemaText(): string {
  return `${JSON.stringify(packageSchema(VERSION), null, 2)}\n`;
}
