/**
 * The Sprint's part of the `acp` package schema: its tasks and defaults are typed from the
 * Task's input properties (as a TaskGraph's are), its recorded tasks by their own type; the rest
 * comes from its field table like every kind's.
 */
import { SPRINT_FIELDS, SPRINT_TASK_FIELDS } from "../core";
import { typeRef, type PropertySpec, type TypeSpec } from "./schema-types";

/** A resource's input and output properties, as schema.ts builds them. */
interface KindSpec {
  inputProperties: Record<string, PropertySpec>;
  requiredInputs: string[];
  properties: Record<string, PropertySpec>;
}

/** A map of `item` by key. */
const mapOf = (item: PropertySpec, description: string): PropertySpec => ({
  type: "object",
  additionalProperties: item,
  description,
});

/** The Sprint's object types, from the Task's input properties. */
export function sprintTypes(task: KindSpec): Record<string, TypeSpec> {
  const taskProps = (fields: readonly string[]) =>
    Object.fromEntries(fields.map((f) => [f, task.inputProperties[f]]));
  const keys = { type: "array", items: { type: "string" } } as const;
  return {
    "acp:index:SprintTask": {
      type: "object",
      description:
        "One task of a Sprint: a Task's inputs, with dependencies named by key (dependsOn).",
      properties: {
        ...taskProps(SPRINT_TASK_FIELDS),
        adoptExistingId: task.inputProperties.adoptExistingId,
        dependsOn: {
          ...keys,
          description:
            "Keys (in the same Sprint) of the tasks that must be done first. Order does not matter.",
        },
        ignoreChanges: {
          ...keys,
          description:
            "Task fields the Sprint sets at create and then leaves as the server has them (fields that agents move, such as status).",
        },
      },
      required: ["title"],
    },
    "acp:index:SprintDefaults": {
      type: "object",
      description: "Task inputs applied to every task of the Sprint that does not set them.",
      properties: taskProps(SPRINT_TASK_FIELDS.filter((f) => f !== "title")),
    },
    "acp:index:SprintTaskState": {
      type: "object",
      description:
        "What a Sprint records of one task: its id, the last applied value of each declared field (a digest where the value is long), its dependencies by key and its ignored fields.",
      properties: {
        id: {
          type: "string",
          description: "The task's id (absent while a create's outcome is not known).",
        },
        fields: mapOf(
          { $ref: "pulumi.json#/Any" },
          "The last applied value of each declared field.",
        ),
        dependsOn: {
          ...keys,
          description: "The dependencies' keys, sorted (a long list: its digest, #sha256:<hex>).",
        },
        ignore: { ...keys, description: "The fields left as the server has them." },
        was: { type: "string", description: "The id of a task this one replaces." },
      },
      required: ["fields"],
    },
  };
}

/** The Sprint's inputs whose types nest: typed here, not from the zod schema. */
export const SPRINT_NESTED = ["tasks", "defaults"];

/** The Sprint's resource spec: `base` (its table's other fields), with its tasks and defaults typed, in table order. */
export function sprintSpec(base: KindSpec): KindSpec {
  const doc = (field: keyof typeof SPRINT_FIELDS) => SPRINT_FIELDS[field].doc;
  const defaults = { ...typeRef("SprintDefaults"), description: doc("defaults") };
  const inputs: Record<string, PropertySpec> = {
    tasks: mapOf(typeRef("SprintTask"), doc("tasks")),
    defaults,
  };
  const outputs: Record<string, PropertySpec> = {
    tasks: mapOf(typeRef("SprintTaskState"), doc("tasks")),
    defaults,
    taskIds: mapOf({ type: "string" }, doc("taskIds")),
  };
  const inputProperties: Record<string, PropertySpec> = {};
  const properties: Record<string, PropertySpec> = {};
  for (const [field, policy] of Object.entries(SPRINT_FIELDS)) {
    const input = inputs[field] ?? base.inputProperties[field];
    if (policy.input && input) inputProperties[field] = input;
    properties[field] = outputs[field] ?? base.properties[field];
  }
  return { inputProperties, requiredInputs: ["tasks"], properties };
}
