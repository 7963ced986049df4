/**
 * The plugin's package schema agrees with the code: the committed copy is what the generator
 * writes, every property of the field tables is in it, and what it declares (required inputs,
 * types, enums, defaults, unknown properties) is what the core's check and diff accept.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { packageSchema, schemaText, TYPE_TOKENS } from "../../provider/plugin/schema";
import {
  providerCore,
  TASK_FIELDS,
  TASK_INPUT_FIELDS,
  THREAD_FIELDS,
  THREAD_RESOURCE_FIELDS,
  RUN_FIELDS,
  type FieldTable,
  type ProviderKind,
} from "../../provider/core";
import { VERSION } from "../../provider/client/version";

type Spec = { type?: string; items?: Spec; $ref?: string; description?: string; default?: unknown };
type ResourceSpec = {
  inputProperties: Record<string, Spec>;
  properties: Record<string, Spec>;
  requiredInputs?: string[];
};

const schema = packageSchema(VERSION);
const resources = schema.resources as Record<string, ResourceSpec>;

/** A minimal valid input of each kind, and the property its own failure names. */
const MINIMAL: Record<ProviderKind, Record<string, unknown>> = {
  task: { title: "t" },
  taskThread: { taskId: "task_1", mode: "run" },
  thread: {},
  agentRun: { serverId: "srv_1", prompt: "go" },
  sprint: { tasks: { a: { title: "A" } } },
};

/** Whether a kind has inputs with listed values (an enum), which the schema's docs list. */
const HAS_ENUMS: Record<ProviderKind, boolean> = {
  task: true,
  taskThread: true,
  thread: false,
  agentRun: true,
  sprint: false,
};

/**
 * Inputs of which check requires one or the other: check reports the first missing, but the
 * schema (which cannot say "one of") requires neither.
 */
const ONE_OF: Partial<Record<ProviderKind, string[]>> = { agentRun: ["prompt"] };

type NamedType = { type: string; enum?: { name: string; value: string }[] };
const namedTypes = schema.types as Record<string, NamedType>;

/** The named type a property refers to, if any. */
function namedType(spec: Spec): NamedType | undefined {
  const prefix = "#/types/";
  return spec.$ref?.startsWith(prefix) ? namedTypes[spec.$ref.slice(prefix.length)] : undefined;
}

/** A value of another type than the schema declares. */
function wrongValue(spec: Spec): unknown {
  switch (namedType(spec)?.type ?? spec.type) {
    case "string":
      return 12;
    case "number":
    case "integer":
      return "twelve";
    case "boolean":
      return "yes";
    case "array":
      return "not a list";
    case "object":
      return ["not an object"];
    default:
      return undefined;
  }
}

describe.each([
  ["task", TYPE_TOKENS.task, TASK_FIELDS],
  ["taskThread", TYPE_TOKENS.taskThread, THREAD_FIELDS],
  ["thread", TYPE_TOKENS.thread, THREAD_RESOURCE_FIELDS],
  ["agentRun", TYPE_TOKENS.agentRun, RUN_FIELDS],
] as Array<[ProviderKind, string, FieldTable]>)("%s schema", (kind, token, table) => {
  const spec = resources[token];
  const core = providerCore(kind);
  const failures = async (news: Record<string, unknown>) => (await core.check({}, news)).failures;

  it("has every table field as an output, and exactly the table's inputs as inputs", () => {
    expect(Object.keys(spec.properties)).toEqual(Object.keys(table));
    expect(Object.keys(spec.inputProperties)).toEqual(
      Object.keys(table).filter((f) => table[f].input),
    );
    for (const [field, property] of Object.entries(spec.properties)) {
      expect(property.description).toContain(table[field].doc.slice(0, 20));
    }
  });

  it("requires exactly the inputs whose absence check reports", async () => {
    const reported = new Set((await failures({})).map((f) => f.property));
    const oneOf = ONE_OF[kind] ?? [];
    for (const field of oneOf) expect(reported).toContain(field);
    expect(new Set(spec.requiredInputs ?? [])).toEqual(
      new Set(
        Object.keys(spec.inputProperties).filter((f) => reported.has(f) && !oneOf.includes(f)),
      ),
    );
    expect(await failures(MINIMAL[kind])).toEqual([]);
  });

  it("declares each input's type as check enforces it", async () => {
    for (const [field, property] of Object.entries(spec.inputProperties)) {
      const wrong = wrongValue(property);
      if (wrong === undefined) continue; // Any: check accepts every JSON value
      const reported = (await failures({ ...MINIMAL[kind], [field]: wrong })).map(
        (f) => f.property,
      );
      expect({ field, reported }).toEqual({ field, reported: expect.arrayContaining([field]) });
    }
  });

  it("accepts every value an enum's doc lists, and check rejects properties not in the schema", async () => {
    let enums = 0;
    for (const [field, property] of Object.entries(spec.inputProperties)) {
      const listed = /One of: ([^.]+)\./.exec(property.description ?? "");
      if (listed) enums++;
      for (const value of listed ? listed[1].split(", ") : []) {
        const news = { ...MINIMAL[kind], [field]: value };
        expect({ field, value, f: await failures(news) }).toEqual({ field, value, f: [] });
      }
    }
    expect(enums > 0).toBe(HAS_ENUMS[kind]);
    for (const [field, property] of Object.entries(spec.inputProperties)) {
      const listed = /One of: ([^.]+)\./.exec(property.description ?? "");
      const values = namedType(property)?.enum?.map((e) => e.value);
      // Typed languages get the listed values as an enum type's constants, and only them.
      expect({ field, values }).toEqual({
        field,
        values: listed ? listed[1].split(", ") : undefined,
      });
      if (values) {
        const news = { ...MINIMAL[kind], [field]: `${values[0]}x` };
        expect((await failures(news)).map((f) => f.property)).toEqual([field]);
      }
    }
    const reported = await failures({ ...MINIMAL[kind], notInTheSchema: 1 });
    expect(reported.map((f) => f.property)).toEqual(["notInTheSchema"]);
  });
});

describe("package schema", () => {
  it("is committed as the generator writes it (run scripts/plugin-schema.ts after a change)", () => {
    const committed = fs.readFileSync(
      path.join(__dirname, "..", "..", "plugin", "schema.json"),
      "utf8",
    );
    expect(committed).toBe(schemaText());
  });

  it("declares the resources Task, TaskThread, Thread, AgentRun and Sprint, and the component TaskGraph", () => {
    expect(Object.keys(schema.resources).sort()).toEqual([
      "acp:index:AgentRun",
      "acp:index:Sprint",
      "acp:index:Task",
      "acp:index:TaskGraph",
      "acp:index:TaskThread",
      "acp:index:Thread",
    ]);
  });

  it("names the thread's prompt text `prompt`, leaving `task` to the legacy input", () => {
    const thread = resources[TYPE_TOKENS.thread];
    expect(thread.properties.prompt.description).toContain("thread.task");
    expect(thread.inputProperties.task.description).toMatch(/alias of content/);
    expect(thread.inputProperties.triggers).toMatchObject({ type: "array" });
  });

  it("names the package acp with the package's version", () => {
    const pkg = JSON.parse(
      fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8"),
    );
    expect(schema).toMatchObject({ name: "acp", version: pkg.version });
  });

  it("declares the thread mode's default as diff applies it", async () => {
    const mode = resources[TYPE_TOKENS.taskThread].inputProperties.mode;
    expect(mode.default).toBe("start");
    const olds = { taskId: "task_1", mode: mode.default };
    expect(await providerCore("taskThread").diff("thr_1", olds, { taskId: "task_1" })).toEqual(
      expect.objectContaining({ changes: false }),
    );
  });

  it("holds the token as a secret, in the config and in an explicit provider's inputs", () => {
    expect(schema.config.variables.token.secret).toBe(true);
    expect(schema.provider.inputProperties.token.secret).toBe(true);
  });

  it("gives TaskGraph's tasks every Task input but dependencyIds, plus dependsOn and thread", () => {
    const task = (schema.types as Record<string, { properties: Record<string, unknown> }>)[
      "acp:index:TaskGraphTask"
    ];
    expect(Object.keys(task.properties).sort()).toEqual(
      [...TASK_INPUT_FIELDS.filter((f) => f !== "dependencyIds"), "adoptExistingId"]
        .concat(["dependsOn", "thread"])
        .sort(),
    );
  });
});
