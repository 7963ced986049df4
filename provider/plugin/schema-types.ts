/**
 * The types of the `acp` package schema: how a zod schema's JSON Schema becomes a Pulumi property
 * type, and the named enum and object types (with their names in typed languages) that the
 * properties refer to. Used by ./schema.ts.
 */
import { z } from "zod";

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

/** A JSON Schema as zod writes it (the parts the mapping reads). */
export type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  required?: string[];
};

/** A property of any type. */
export const ANY: PropertySpec = { $ref: "pulumi.json#/Any" };

/** The token of the package's type `name`. */
export const typeToken = (name: string) => `acp:index:${name}`;

/** A reference to the package's type `name`. */
export const typeRef = (name: string): PropertySpec => ({ $ref: `#/types/${typeToken(name)}` });

/** The JSON Schema of a zod schema, as its input. */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
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
