/**
 * The Sprint provider core against the real emulator over loopback: it schedules the API calls
 * itself (creates in dependency order, one PATCH of the changed fields, dependents deleted
 * first), keeps every task through partial failures, and owns its sprint when exclusive.
 */
import type { Emulator } from "../../emulator";
import type { AcpClient } from "../../provider/client";
import { SprintProviderImpl, type SprintOutputs } from "../../provider/core";
import { setProgressSink, withProgressTarget } from "../../provider/core/progress";
import { emulatorForCore } from "./helpers";

const TOKEN = "sprint-core-token";
const core = new SprintProviderImpl();
let emulator: Emulator;
let api: AcpClient;
let close: () => Promise<void>;

beforeEach(async () => {
  ({ emulator, api, close } = await emulatorForCore({ token: TOKEN }));
});
afterEach(() => close());

/** A layered graph: `n` tasks, each (but the first layer) depending on two of the layer before. */
function layered(n: number, width = 10): Record<string, Record<string, unknown>> {
  const tasks: Record<string, Record<string, unknown>> = {};
  for (let i = 0; i < n; i++) {
    const deps = i >= width ? [`t${i - width}`, `t${i - width + (i % width === 0 ? 1 : -1)}`] : [];
    tasks[`t${i}`] = { title: `Task ${i}`, ...(deps.length ? { dependsOn: deps } : {}) };
  }
  return tasks;
}

const requests = (method: string) => emulator.log.filter((e) => e.method === method);

/** Creates a Sprint; its id and outputs. */
async function up(inputs: Record<string, unknown>, key = "proj/dev/sprint") {
  const { id, outs } = await core.create(inputs, { resourceKey: key });
  return { id, outs: outs as SprintOutputs };
}

describe("Sprint create", () => {
  it("creates every task once, each after its dependencies, with their ids", async () => {
    const tasks = layered(60);
    const { outs } = await up({ tasks, concurrency: 4 });
    const stored = emulator.snapshot().tasks;
    expect(stored).toHaveLength(60);
    expect(requests("POST")).toHaveLength(60);
    const order = new Map(stored.map((t, i) => [t.id as string, i]));
    for (const [key, spec] of Object.entries(tasks)) {
      const task = stored.find((t) => t.id === outs.taskIds[key]);
      const deps = ((spec.dependsOn as string[]) ?? []).map((d) => outs.taskIds[d]);
      expect(new Set(task?.dependencyIds)).toEqual(new Set(deps));
      for (const dep of deps) expect(order.get(dep)).toBeLessThan(order.get(task!.id as string)!);
    }
    expect(outs.mermaid).toContain('t_t10["Task 10"]');
  });

  it("records at most 1 KB per task, long values as digests", async () => {
    const tasks: Record<string, Record<string, unknown>> = {};
    for (let i = 0; i < 20; i++) {
      tasks[`task-${i}`] = {
        title: `A title long enough to be recorded as a digest, number ${i}`,
        description: "x".repeat(5000),
        projectId: "proj_1",
        sprintId: "sprint_1",
        status: "todo",
        priority: "high",
        assigneeAgentId: "agent_1",
        dueAt: "2026-12-24T10:00:00Z",
        metadata: { team: "core", tags: ["a", "b", "c"], nested: { deep: "value ".repeat(50) } },
        dependsOn: i > 0 ? [`task-${i - 1}`] : [],
      };
    }
    const { outs } = await up({ tasks });
    for (const state of Object.values(outs.tasks)) {
      expect(JSON.stringify(state).length).toBeLessThanOrEqual(1024);
    }
    expect(JSON.stringify(outs.tasks["task-3"].fields.description)).toMatch(/#sha256/);
  });
});

describe("Sprint diff", () => {
  it("makes no API call, ignores dependency order, and names each changed task and field", async () => {
    const tasks = layered(20);
    const { id, outs } = await up({ tasks });
    const before = emulator.log.length;
    const reordered = structuredClone(tasks);
    reordered.t15.dependsOn = [...(reordered.t15.dependsOn as string[])].reverse();
    expect(await core.diff(id, outs, { tasks: reordered })).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
      detailedDiff: {},
    });
    const edited = structuredClone(tasks);
    edited.t1.title = "New";
    edited.t2.priority = "high";
    edited.t3.dependsOn = ["t0"];
    delete edited.t19;
    edited.extra = { title: "Extra" };
    const diff = await core.diff(id, outs, { tasks: edited });
    expect(diff.replaces).toEqual([]);
    expect(diff.detailedDiff).toEqual({
      'tasks["t1"].title': { kind: "update", replace: false },
      'tasks["t2"].priority': { kind: "update", replace: false },
      'tasks["t3"].dependsOn': { kind: "update", replace: false },
      'tasks["extra"]': { kind: "add", replace: false },
      'tasks["t19"]': { kind: "delete", replace: false },
    });
    expect(emulator.log.length).toBe(before);
  });
});

describe("Sprint update", () => {
  it("sends one PATCH per changed task with only the changed fields, and deletes dependents first", async () => {
    const tasks = layered(30);
    const { id, outs } = await up({ tasks, defaults: { priority: "low" } });
    emulator.log.length = 0;
    const edited = structuredClone(tasks);
    edited.t1.title = "Renamed";
    edited.t2.description = "Now described";
    edited.t5.priority = "urgent";
    // t28 and t29 are the only tasks that depend on t18 and t19: all four go, t28/t29 first.
    for (const k of ["t18", "t29", "t19", "t28"]) delete edited[k];
    const next = await core.update(id, outs, { tasks: edited, defaults: { priority: "low" } });
    const patches = requests("PATCH");
    expect(patches.map((p) => p.body)).toEqual(
      expect.arrayContaining([
        { title: "Renamed" },
        { description: "Now described" },
        { priority: "urgent" },
      ]),
    );
    expect(patches).toHaveLength(3);
    expect(requests("DELETE")).toHaveLength(4);
    expect(emulator.log.filter((e) => e.status === 409)).toEqual([]);
    expect(emulator.snapshot().tasks).toHaveLength(26);
    expect(Object.keys((next.outs as SprintOutputs).taskIds)).toHaveLength(26);
  });

  it("re-creates a task whose project changes and points its dependents at it", async () => {
    const tasks = { a: { title: "A", projectId: "p1" }, b: { title: "B", dependsOn: ["a"] } };
    const { id, outs } = await up({ tasks });
    const moved = { ...tasks, a: { title: "A", projectId: "p2" } };
    // The preview is told, in a note beside the detailed diff, that the task is created again.
    const notes: string[] = [];
    const previous = setProgressSink((_target, message, { ephemeral }) => {
      if (!ephemeral) notes.push(message);
    });
    const diff = await withProgressTarget({ urn: "urn:sprint" }, () =>
      core.diff(id, outs, { tasks: moved }),
    ).finally(() => setProgressSink(previous));
    expect(notes).toEqual([
      expect.stringMatching(
        /^tasks\["a"\] is created again inside the Sprint .*: projectId changed; the Sprint itself is not replaced$/,
      ),
    ]);
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    expect(diff.detailedDiff).toEqual({
      'tasks["a"].projectId': { kind: "update", replace: false },
    });
    const next = (await core.update(id, outs, { tasks: moved })).outs as SprintOutputs;
    const stored = emulator.snapshot().tasks;
    expect(stored).toHaveLength(2);
    expect(next.taskIds.a).not.toBe(outs.taskIds.a);
    expect(stored.find((t) => t.id === next.taskIds.a)?.projectId).toBe("p2");
    expect(stored.find((t) => t.id === next.taskIds.b)?.dependencyIds).toEqual([next.taskIds.a]);
  });

  it("re-creates a task deleted out of band, with or without a refresh first", async () => {
    const tasks = { a: { title: "A" }, b: { title: "B", dependsOn: ["a"] } };
    const { id, outs } = await up({ tasks });
    await api.tasks.delete(outs.taskIds.b);
    const refreshed = (await core.read(id, outs)).props as SprintOutputs;
    expect(Object.keys(refreshed.taskIds)).toEqual(["a"]);
    expect(refreshed.mermaid).toBe(outs.mermaid);
    const diff = await core.diff(id, refreshed, { tasks });
    expect(diff.detailedDiff).toEqual({ 'tasks["b"]': { kind: "add", replace: false } });
    const next = (await core.update(id, refreshed, { tasks })).outs as SprintOutputs;
    expect(
      emulator
        .snapshot()
        .tasks.map((t) => t.id)
        .sort(),
    ).toEqual(Object.values(next.taskIds).sort());
    // Without a refresh: the PATCH finds the task gone and creates it again.
    await api.tasks.delete(next.taskIds.b);
    const renamed = { ...tasks, b: { title: "B2", dependsOn: ["a"] } };
    const last = (await core.update(id, next, { tasks: renamed })).outs as SprintOutputs;
    const b = emulator.snapshot().tasks.find((t) => t.id === last.taskIds.b);
    expect(b).toMatchObject({ title: "B2", dependencyIds: [last.taskIds.a] });
    expect(emulator.snapshot().tasks).toHaveLength(2);
  });

  it("leaves a field listed in ignoreChanges as the server has it", async () => {
    const tasks = { a: { title: "A", status: "todo", ignoreChanges: ["status"] } };
    const { id, outs } = await up({ tasks });
    await api.tasks.update(outs.taskIds.a, { status: "in_progress" });
    const refreshed = (await core.read(id, outs)).props as SprintOutputs;
    expect((await core.diff(id, refreshed, { tasks })).changes).toBe(false);
    const plain = { a: { title: "A", status: "todo" } };
    expect((await core.diff(id, refreshed, { tasks: plain })).changes).toBe(false);
  });

  it("reverts a field an agent moved when the program owns it (seen by refresh)", async () => {
    const tasks = { a: { title: "A", status: "todo", sprintId: "s1" } };
    const { id, outs } = await up({ tasks });
    await api.tasks.update(outs.taskIds.a, { status: "done" });
    emulator.log.length = 0;
    const refreshed = (await core.read(id, outs)).props as SprintOutputs;
    // One list page for the sprint, no single reads.
    expect(emulator.log.map((e) => e.method + " " + e.path.split("?")[0])).toEqual([
      "GET /v1/tasks",
    ]);
    const diff = await core.diff(id, refreshed, { tasks });
    expect(diff.detailedDiff).toEqual({ 'tasks["a"].status': { kind: "update", replace: false } });
    await core.update(id, refreshed, { tasks });
    expect(emulator.snapshot().tasks[0].status).toBe("todo");
  });
});

describe("Sprint adoption", () => {
  it("adopts an existing task by id with no POST, and sets the fields the program declares", async () => {
    const existing = await api.tasks.create({ title: "Made by hand", priority: "low" });
    emulator.log.length = 0;
    const tasks = {
      triage: { title: "Triage", priority: "low", adoptExistingId: existing.id },
      fix: { title: "Fix", dependsOn: ["triage"] },
    };
    const { id, outs } = await up({ tasks }, "proj/dev/adopt");
    expect(outs.taskIds.triage).toBe(existing.id);
    expect(requests("POST").map((p) => (p.body as { title: string }).title)).toEqual(["Fix"]);
    expect(requests("PATCH").map((p) => p.body)).toEqual([{ title: "Triage" }]);
    const fix = emulator.snapshot().tasks.find((t) => t.id === outs.taskIds.fix);
    expect(fix?.dependencyIds).toEqual([existing.id]);
    expect((await core.diff(id, outs, { tasks })).changes).toBe(false);
  });
});

describe("Sprint refresh", () => {
  it("reads tasks that share a project with list pages, others with one GET each", async () => {
    const shared = { a: { title: "A", projectId: "p1" }, b: { title: "B", projectId: "p1" } };
    const one = await up({ tasks: shared }, "proj/dev/shared");
    emulator.log.length = 0;
    await core.read(one.id, one.outs);
    expect(emulator.log.map((e) => `${e.method} ${e.path}`)).toEqual([
      "GET /v1/tasks?projectId=p1&limit=500",
    ]);
    const mixed = { c: { title: "C", projectId: "p1" }, d: { title: "D", projectId: "p2" } };
    const two = await up({ tasks: mixed }, "proj/dev/mixed");
    emulator.log.length = 0;
    await core.read(two.id, two.outs);
    expect(emulator.log.map((e) => `${e.method} ${e.path}`).sort()).toEqual(
      [two.outs.taskIds.c, two.outs.taskIds.d].map((id) => `GET /v1/tasks/${id}`).sort(),
    );
  });
});

describe("Sprint exclusive", () => {
  it("records the sprint's undeclared tasks at refresh, and the next up deletes them", async () => {
    const inputs = { tasks: { a: { title: "A" } }, defaults: { sprintId: "s1" }, exclusive: true };
    const { id, outs } = await up(inputs);
    const stray = await api.tasks.create({ title: "Stray", sprintId: "s1" });
    const other = await api.tasks.create({ title: "Other sprint", sprintId: "s2" });
    const refreshed = (await core.read(id, outs)).props as SprintOutputs;
    expect(refreshed.strayTaskIds).toEqual([stray.id]);
    expect((await core.diff(id, refreshed, inputs)).detailedDiff).toEqual({
      strayTaskIds: { kind: "delete", replace: false },
    });
    const next = (await core.update(id, refreshed, inputs)).outs as SprintOutputs;
    expect(next.strayTaskIds).toBeUndefined();
    expect(
      emulator
        .snapshot()
        .tasks.map((t) => t.id)
        .sort(),
    ).toEqual([outs.taskIds.a, other.id].sort());
  });

  it("is off by default: other tasks of the sprint are left alone", async () => {
    const inputs = { tasks: { a: { title: "A", sprintId: "s1" } } };
    const { id, outs } = await up(inputs);
    await api.tasks.create({ title: "Someone else's", sprintId: "s1" });
    const refreshed = (await core.read(id, outs)).props as SprintOutputs;
    expect(refreshed.strayTaskIds).toBeUndefined();
  });
});

describe("Sprint partial failure", () => {
  it("records every task that exists, and the next up continues without a duplicate", async () => {
    const all = layered(40);
    const first = Object.fromEntries(Object.entries(all).slice(0, 20));
    const { id, outs } = await up({ tasks: first }, "proj/dev/partial");
    // Every create now fails; the renames of the existing tasks go through.
    emulator.setFaults({ errorRate: 1, errorStatus: 400, methods: ["POST"] });
    const tasks = structuredClone(all);
    for (let i = 0; i < 20; i++) tasks[`t${i}`].title = `Renamed ${i}`;
    let partial: { id?: string; properties?: SprintOutputs; message?: string } = {};
    await core.update(id, outs, { tasks }).catch((err) => (partial = err));
    expect(partial.message).toMatch(
      /20 task operation\(s\) failed; every task that exists is recorded/,
    );
    expect(partial.id).toBe(id);
    expect(partial.properties!.taskIds).toEqual(outs.taskIds);
    // The renames are recorded: the next diff shows only the tasks still to create.
    const diff = await core.diff(id, partial.properties!, { tasks });
    expect(Object.keys(diff.detailedDiff!).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `tasks["t${i + 20}"]`).sort(),
    );
    emulator.setFaults(undefined);
    const next = (await core.update(id, partial.properties!, { tasks })).outs as SprintOutputs;
    expect(emulator.snapshot().tasks).toHaveLength(40);
    expect(Object.keys(next.taskIds)).toHaveLength(40);
    expect(emulator.snapshot().tasks.filter((t) => t.title?.startsWith("Renamed"))).toHaveLength(
      20,
    );
  });

  it.each([true, false])(
    "creates nothing twice when answers are lost (server idempotency %s)",
    async (idempotencyReplay) => {
      await close();
      ({ emulator, api, close } = await emulatorForCore({ token: TOKEN, idempotencyReplay }, 2));
      emulator.setFaults({
        dropResponseRate: 0.3,
        errorRate: 0.1,
        errorStatus: 503,
        resetRate: 0.05,
      });
      const tasks = layered(80);
      let outs: SprintOutputs;
      let id: string;
      try {
        ({ id, outs } = await up({ tasks }, "proj/dev/lossy"));
      } catch (err) {
        const partial = err as { id: string; properties: SprintOutputs };
        emulator.setFaults(undefined);
        outs = (await core.update(partial.id, partial.properties, { tasks })).outs as SprintOutputs;
        id = partial.id;
      }
      emulator.setFaults(undefined);
      const stored = emulator.snapshot().tasks;
      expect(stored).toHaveLength(80);
      expect(new Set(Object.values(outs.taskIds)).size).toBe(80);
      expect((await core.diff(id, outs, { tasks })).changes).toBe(false);
      await core.delete(id, outs);
      expect(emulator.snapshot().tasks).toEqual([]);
    },
  );
});

describe("Sprint check", () => {
  const failures = async (news: Record<string, unknown>) => (await core.check({}, news)).failures;

  it("names the task, the field and what to do", async () => {
    expect(
      await failures({
        tasks: {
          design: { title: "" },
          build: { title: "B", dependsOn: ["desing"], priority: "p1" },
          ship: { title: "S", dependencyIds: ["x"], ignoreChanges: ["colour"] },
        },
      }),
    ).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ property: 'tasks["design"].title' }),
        expect.objectContaining({ property: 'tasks["build"].priority' }),
        {
          property: 'tasks["build"].dependsOn',
          reason: expect.stringMatching(
            /depends on unknown task "desing" \(did you mean "design"\?\)/,
          ),
        },
        expect.objectContaining({
          property: 'tasks["ship"].dependencyIds',
          reason: expect.stringMatching(/dependsOn/),
        }),
        expect.objectContaining({ property: 'tasks["ship"].ignoreChanges.0' }),
      ]),
    );
  });

  it("reports a cycle with the graph's message, and exclusive without one sprint", async () => {
    const found = await failures({
      tasks: { a: { title: "A", dependsOn: ["b"] }, b: { title: "B", dependsOn: ["a"] } },
      exclusive: true,
    });
    expect(found.map((f) => f.reason).join("\n")).toMatch(/dependency cycle: a -> b -> a/);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          property: "exclusive",
          reason: expect.stringMatching(/defaults.sprintId/),
        }),
      ]),
    );
    expect(
      await failures({
        tasks: { a: { title: "A" } },
        defaults: { sprintId: "s" },
        exclusive: true,
      }),
    ).toEqual([]);
  });
});
