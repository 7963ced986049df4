/**
 * Properties of both providers' check and diff (the core that both front doors call) over
 * random input: any property bag — unknown-value sentinels, nulls, wrong types, huge and
 * unicode strings, misspelt names — for each of the four resource kinds, is either accepted or answered with failures that each
 * name a property and say why; never an exception. For accepted inputs, an input compared with
 * itself is never a change, reordering a set is never a change, and the diff is symmetric.
 */
import { it } from "@fast-check/jest";
import {
  RUN_FIELDS,
  RUN_INPUT_FIELDS,
  TASK_INPUT_FIELDS,
  THREAD_INPUT_FIELDS,
  THREAD_RESOURCE_FIELDS,
  THREAD_RESOURCE_INPUT_FIELDS,
  UNKNOWN,
  type FieldTable,
} from "../../provider/core";
import { AgentRunProviderImpl } from "../../provider/core/agent-run/provider";
import { TaskProviderImpl } from "../../provider/core/task/provider";
import { TaskThreadProviderImpl } from "../../provider/core/task-thread/provider";
import { ThreadProviderImpl } from "../../provider/core/thread/provider";
import { fc } from "../property/settings";
import { storedTask } from "./helpers";

const task = new TaskProviderImpl();
const thread = new TaskThreadProviderImpl();
const projectThread = new ThreadProviderImpl();
const agentRun = new AgentRunProviderImpl();

/** Any value a program (or a preview's unknowns) can put in a property. */
const anyValue = fc.oneof(
  fc.constant(UNKNOWN),
  fc.constant(null),
  fc.constant(undefined),
  fc.string({ unit: "grapheme", maxLength: 50 }),
  fc.string({ minLength: 10_000, maxLength: 20_000 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Property bags with the resource's own names, misspellings and anything else. */
const bagOf = (fields: readonly string[]) =>
  fc.dictionary(fc.oneof(fc.constantFrom(...fields), fc.string({ maxLength: 15 })), anyValue, {
    maxKeys: 10,
  });

async function expectAnswered(
  check: (
    news: Record<string, unknown>,
  ) => Promise<{ failures?: { property: string; reason: string }[] }>,
  bag: Record<string, unknown>,
) {
  const result = await check(bag);
  for (const failure of result.failures ?? []) {
    expect(typeof failure.property).toBe("string");
    expect(failure.reason.trim().length).toBeGreaterThan(0);
  }
}

const id = fc.stringMatching(/^task_[a-z0-9]{1,10}$/);
const instant = fc
  .date({
    min: new Date("2020-01-01T00:00:00Z"),
    max: new Date("2035-12-31T00:00:00Z"),
    noInvalidDate: true,
  })
  .map((d) => d.toISOString());
/** Task inputs that check accepts. */
const validTask = fc.record(
  {
    title: fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== ""),
    description: fc.string({ maxLength: 80 }),
    projectId: fc.constantFrom("proj_a", "proj_b"),
    status: fc.constantFrom("backlog", "todo", "in_progress", "blocked", "in_review", "done"),
    priority: fc.constantFrom("low", "medium", "high", "urgent"),
    dependencyIds: fc.uniqueArray(id, { maxLength: 5 }),
    dueAt: instant,
    sortOrder: fc.integer({ min: -1000, max: 1000 }),
    metadata: fc.dictionary(
      fc.string({ minLength: 1, maxLength: 8 }),
      fc.jsonValue({ maxDepth: 2 }),
      {
        maxKeys: 4,
      },
    ),
  },
  { requiredKeys: ["title"] },
);

const stored = (inputs: Record<string, unknown>) => storedTask(inputs);

const taskDiff = (olds: Record<string, unknown>, news: Record<string, unknown>) =>
  task.diff("task_SELF", olds as never, news as never);

describe("Task check and diff", () => {
  it.prop([bagOf(TASK_INPUT_FIELDS)])("answers any property bag without throwing", async (bag) => {
    await expectAnswered((n) => task.check({}, n), bag);
  });

  it.prop([validTask])("accepts the valid inputs it is given", async (inputs) => {
    expect((await task.check({}, inputs)).failures ?? []).toEqual([]);
  });

  it.prop([validTask])("finds no change between inputs and their own state", async (inputs) => {
    expect((await taskDiff(stored(inputs), inputs)).changes).toBe(false);
  });

  it.prop([
    validTask.filter((t) => (t.dependencyIds?.length ?? 0) > 1),
    fc.infiniteStream(fc.nat()),
  ])("never counts a reordering of dependencyIds as a change", async (inputs, seeds) => {
    const deps = [...(inputs.dependencyIds ?? [])];
    const shuffled = deps
      .map((d) => ({ d, k: seeds.next().value as number }))
      .sort((a, b) => a.k - b.k)
      .map((x) => x.d);
    expect((await taskDiff(stored(inputs), { ...inputs, dependencyIds: shuffled })).changes).toBe(
      false,
    );
  });

  it.prop([validTask, validTask])(
    "is symmetric for inputs that set the same fields",
    async (a, b) => {
      const keys = Object.keys(a).filter((k) => k in b);
      const pick = (t: Record<string, unknown>) => Object.fromEntries(keys.map((k) => [k, t[k]]));
      const [x, y] = [pick(a), pick(b)];
      const forward = await taskDiff(stored(x), y);
      const backward = await taskDiff(stored(y), x);
      expect(forward.changes).toBe(backward.changes);
      expect([...(forward.replaces ?? [])].sort()).toEqual([...(backward.replaces ?? [])].sort());
    },
  );
});

/** TaskThread inputs that check accepts. */
const validThread = fc.oneof(
  fc.record(
    {
      taskId: id,
      mode: fc.constant("start"),
      agentId: fc.constantFrom("agent_1", "agent_2"),
      title: fc.string({ maxLength: 20 }),
    },
    { requiredKeys: ["taskId", "mode"] },
  ),
  fc.record(
    {
      taskId: id,
      mode: fc.constant("run"),
      message: fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== ""),
    },
    { requiredKeys: ["taskId", "mode", "message"] },
  ),
);

describe("TaskThread check and diff", () => {
  it.prop([bagOf(THREAD_INPUT_FIELDS)])(
    "answers any property bag without throwing",
    async (bag) => {
      await expectAnswered((n) => thread.check({}, n), bag);
    },
  );

  it.prop([validThread])("finds no change between inputs and their own state", async (inputs) => {
    expect((await thread.check({}, inputs)).failures ?? []).toEqual([]);
    const olds = { ...inputs, execution: inputs.mode === "run" ? { success: true } : undefined };
    expect((await thread.diff("thr_1", olds as never, inputs as never)).changes).toBe(false);
  });
});

const text = fc.string({ minLength: 1, maxLength: 40 }).filter((t) => t.trim() !== "");
const triggers = fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 });

/** Thread inputs that check accepts. */
const validProjectThread = fc.record(
  {
    projectId: fc.constantFrom("proj_a", "proj_b"),
    title: fc.string({ maxLength: 20 }),
    content: text,
    metadata: fc.dictionary(
      fc.string({ minLength: 1, maxLength: 8 }),
      fc.jsonValue({ maxDepth: 2 }),
      {
        maxKeys: 3,
      },
    ),
    triggers,
  },
  { requiredKeys: [] },
);

/** AgentRun inputs that check accepts. */
const validRun = fc.record(
  {
    serverId: fc.constantFrom("srv_a", "srv_b"),
    prompt: text,
    title: fc.string({ maxLength: 20 }),
    mode: fc.constantFrom("sync", "async"),
    waitTimeoutSeconds: fc.integer({ min: 0, max: 3600 }),
    triggers,
  },
  { requiredKeys: ["serverId", "prompt"] },
);

/** The state a create records for `inputs`: a finished object, the table's defaults included. */
function recorded(table: FieldTable, inputs: Record<string, unknown>): Record<string, unknown> {
  const state: Record<string, unknown> = { status: "completed" };
  for (const [field, policy] of Object.entries(table)) {
    if (policy.input && policy.source !== "api" && policy.default !== undefined)
      state[field] = policy.default;
  }
  return { ...state, ...inputs };
}

describe.each([
  [
    "Thread",
    projectThread,
    THREAD_RESOURCE_INPUT_FIELDS,
    THREAD_RESOURCE_FIELDS,
    validProjectThread,
    "thr_1",
  ],
  ["AgentRun", agentRun, RUN_INPUT_FIELDS, RUN_FIELDS, validRun, "run_1"],
] as const)("%s check and diff", (_kind, core, fields, table, valid, selfId) => {
  it.prop([bagOf(fields)])("answers any property bag without throwing", async (bag) => {
    await expectAnswered((n) => core.check({}, n), bag);
  });

  it.prop([valid as fc.Arbitrary<Record<string, unknown>>])(
    "accepts valid inputs, and finds no change between them and their own state",
    async (inputs) => {
      expect((await core.check({}, inputs)).failures ?? []).toEqual([]);
      const olds = recorded(table, inputs);
      expect((await core.diff(selfId, olds as never, inputs as never)).changes).toBe(false);
    },
  );

  it.prop([valid as fc.Arbitrary<Record<string, unknown>>, triggers])(
    "replaces the resource exactly when its triggers change",
    async (inputs, next) => {
      const olds = recorded(table, inputs);
      const diff = await core.diff(selfId, olds as never, { ...inputs, triggers: next } as never);
      const same = JSON.stringify(inputs.triggers ?? null) === JSON.stringify(next);
      if (same) expect(diff.changes).toBe(false);
      if (!same) expect(diff.replaces).toContain("triggers");
    },
  );
});
