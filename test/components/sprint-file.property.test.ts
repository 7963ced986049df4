/**
 * Properties of the sprint-file loader over random input: any text (as YAML and as JSON), any
 * JSON document, and random mutations of the example sprint either load as a valid graph or fail
 * with a SprintFileError whose every problem names the file — never an exception from deep
 * inside, never an empty problem list.
 */
import * as fs from "node:fs";
import { it } from "@fast-check/jest";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { DEFAULT_SPRINT_FILE } from "../../examples/sprint-from-file/index";
import {
  parseSprintText,
  SprintFileError,
  sprintFromObject,
  type SprintFile,
} from "../../provider/components";
import { fc } from "../property/settings";

/** Loads, and says what happened: a sprint, or the problems; anything else is rethrown. */
function outcome(load: () => SprintFile, source: string): "valid" | "invalid" {
  try {
    const sprint = load();
    // A valid sprint is a graph: every dependency names a task of the file.
    for (const [key, task] of Object.entries(sprint.tasks)) {
      for (const dep of task.dependsOn ?? []) {
        expect({ key, dep, known: dep in sprint.tasks && dep !== key }).toEqual({
          key,
          dep,
          known: true,
        });
      }
    }
    return "valid";
  } catch (err) {
    if (!SprintFileError.isInstance(err)) throw err;
    expect(err.problems.length).toBeGreaterThan(0);
    for (const problem of err.problems) expect(problem.startsWith(`${source}: `)).toBe(true);
    return "invalid";
  }
}

const example = parseYaml(fs.readFileSync(DEFAULT_SPRINT_FILE, "utf8")) as {
  tasks: Record<string, Record<string, unknown>>;
  defaults?: Record<string, unknown>;
};
const taskKeys = Object.keys(example.tasks);
const taskFields = [...new Set(taskKeys.flatMap((k) => Object.keys(example.tasks[k])))];

/** One change to the example sprint: a field set to anything, removed, renamed, a task dropped. */
const mutation = fc.oneof(
  fc.record({
    kind: fc.constant("set" as const),
    key: fc.constantFrom(...taskKeys),
    field: fc.oneof(fc.constantFrom(...taskFields, "thread", "unknownField"), fc.string()),
    value: fc.jsonValue(),
  }),
  fc.record({
    kind: fc.constant("delete-field" as const),
    key: fc.constantFrom(...taskKeys),
    field: fc.constantFrom(...taskFields),
  }),
  fc.record({ kind: fc.constant("delete-task" as const), key: fc.constantFrom(...taskKeys) }),
  fc.record({
    kind: fc.constant("rename-task" as const),
    key: fc.constantFrom(...taskKeys),
    to: fc.string({ minLength: 0, maxLength: 12 }),
  }),
  fc.record({
    kind: fc.constant("set-defaults" as const),
    field: fc.oneof(fc.constantFrom("projectId", "priority", "status", "sprintId"), fc.string()),
    value: fc.jsonValue(),
  }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(base: typeof example, changes: Mutation[]): unknown {
  const doc = structuredClone(base);
  for (const m of changes) {
    if (m.kind === "set" && doc.tasks[m.key]) doc.tasks[m.key][m.field] = m.value;
    else if (m.kind === "delete-field" && doc.tasks[m.key]) delete doc.tasks[m.key][m.field];
    else if (m.kind === "delete-task") delete doc.tasks[m.key];
    else if (m.kind === "rename-task" && doc.tasks[m.key]) {
      doc.tasks[m.to] = doc.tasks[m.key];
      if (m.to !== m.key) delete doc.tasks[m.key];
    } else if (m.kind === "set-defaults") doc.defaults = { ...doc.defaults, [m.field]: m.value };
  }
  return doc;
}

describe("the sprint-file loader", () => {
  it.prop([fc.string({ maxLength: 2000 })])("takes any text as YAML", (text) => {
    outcome(() => parseSprintText(text, "sprint.yaml"), "sprint.yaml");
  });

  it.prop([fc.string({ maxLength: 2000 })])("takes any text as JSON", (text) => {
    outcome(() => parseSprintText(text, "sprint.json"), "sprint.json");
  });

  it.prop([fc.jsonValue({ maxDepth: 6 })])("takes any JSON document", (value) => {
    outcome(() => parseSprintText(JSON.stringify(value), "s.json"), "s.json");
  });

  it.prop([fc.array(mutation, { minLength: 1, maxLength: 4 })])(
    "takes any mutation of the example sprint, as an object and as YAML text",
    (changes) => {
      const doc = mutate(example, changes);
      const asObject = outcome(() => sprintFromObject(doc, "sprint.yaml"), "sprint.yaml");
      const asText = outcome(() => parseSprintText(toYaml(doc), "sprint.yaml"), "sprint.yaml");
      expect(asText).toBe(asObject);
    },
  );

  it("loads the example unchanged (the mutations start from a valid sprint)", () => {
    expect(outcome(() => sprintFromObject(example, "sprint.yaml"), "sprint.yaml")).toBe("valid");
  });
});
