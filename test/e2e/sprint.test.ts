/**
 * The Sprint through the real engine, from a TypeScript program using the `Sprint` class (which
 * goes through the `acp` plugin): one engine step creates the whole graph with the right
 * dependencyIds; a no-op preview makes no API call; a preview of three edited tasks names exactly
 * those tasks and fields in the engine's detailed diff; a task whose project changes is noted as
 * created again (no replacement of the Sprint); a 500-task Sprint under the convergence
 * suite's fault mix converges within two ups, with or without server-side idempotency.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { Sprint, type SprintTaskArgs } from "pulumi-acp";
import type { FaultOptions } from "pulumi-acp/emulator";
import { compareWithGraph, layeredTaskGraph } from "../reliability/graph";
import { changesOf, Harness } from "./harness";
import type { TaskSpec } from "./programs";

jest.setTimeout(600_000);

/** A program of one Sprint over `specs`; exports its task ids and graph. */
function sprintProgram(specs: Record<string, TaskSpec>, defaults?: Record<string, unknown>) {
  return async () => {
    const sprint = new Sprint("sprint", {
      tasks: specs as Record<string, SprintTaskArgs>,
      ...(defaults ? { defaults } : {}),
    });
    return { ids: sprint.taskIds, mermaid: sprint.mermaid };
  };
}

/** The engine's detailed diff of the Sprint's step in a preview's events. */
function sprintDetailedDiff(events: EngineEvent[]): Record<string, { diffKind: string }> {
  const step = events
    .map((e) => e.resourcePreEvent?.metadata)
    .find((m) => m?.type === "acp:index:Sprint");
  if (!step) throw new Error("no step of the Sprint in the preview's events");
  return (step.detailedDiff ?? {}) as Record<string, { diffKind: string }>;
}

describe("a Sprint from a TypeScript program", () => {
  let h: Harness;
  const specs = layeredTaskGraph("ts", 4, 10);
  /** The tasks the program declares now. */
  let declared = specs;

  beforeAll(async () => {
    h = await Harness.create({ program: sprintProgram(specs), acpPlugin: true });
  });
  afterAll(() => h?.cleanup());

  it("creates every task in one engine step, with the right dependencyIds", async () => {
    const res = await h.up();
    // The stack and the Sprint: one engine step for the forty tasks.
    expect(changesOf(res.summary)).toEqual({ create: 2 });
    expect(compareWithGraph(specs, h.emulator.snapshot())).toEqual({
      missing: [],
      duplicates: 0,
      extra: 0,
      wrongDependencies: [],
    });
    expect(Object.keys(res.outputs.ids as object)).toHaveLength(40);
    expect(res.outputs.mermaid).toContain("flowchart TD");
  });

  it("previews no change without an API call", async () => {
    h.emulator.resetStats();
    expect(changesOf((await h.preview()).summary)).toEqual({});
    expect(h.emulator.stats().totalRequests).toBe(0);
  });

  it("refreshes with one list page (the tasks share a project), and still previews no change", async () => {
    h.emulator.resetStats();
    expect(changesOf((await h.refresh()).summary)).toEqual({});
    expect(h.emulator.stats().totalRequests).toBe(1);
    expect(changesOf((await h.preview()).summary)).toEqual({});
  });

  it("previews three edited tasks by name and field, and applies them with three PATCHes", async () => {
    // A copy made in this realm: the SDK serializes arrays from another realm as objects.
    const edited = JSON.parse(JSON.stringify(specs)) as typeof specs;
    edited.t001.title = "ts task 1, renamed";
    edited.t012.priority = "urgent";
    edited.t013.description = "now described";
    // Reordering dependencies is no change.
    edited.t025.dependsOn = [...(edited.t025.dependsOn ?? [])].reverse();
    h.setProgram(sprintProgram(edited));
    const preview = await h.preview();
    expect(changesOf(preview.summary)).toEqual({ update: 1 });
    const diff = sprintDetailedDiff(preview.events);
    expect(Object.keys(diff).sort()).toEqual([
      'tasks["t001"].title',
      'tasks["t012"].priority',
      'tasks["t013"].description',
    ]);
    for (const entry of Object.values(diff)) expect(entry.diffKind).toBe("update");
    const mark = h.emulator.log.length;
    expect(changesOf((await h.up()).summary)).toEqual({ update: 1 });
    const patches = h.emulator.log.slice(mark).filter((e) => e.method === "PATCH");
    expect(patches.map((p) => p.body)).toEqual(
      expect.arrayContaining([
        { title: "ts task 1, renamed" },
        { priority: "urgent" },
        { description: "now described" },
      ]),
    );
    expect(patches).toHaveLength(3);
    expect(changesOf((await h.preview()).summary)).toEqual({});
    declared = edited;
  });

  it("says in the preview that a task whose project changes is created again, then re-creates it alone", async () => {
    const moved = JSON.parse(JSON.stringify(declared)) as typeof specs;
    moved.t002.projectId = "proj_elsewhere";
    h.setProgram(sprintProgram(moved));
    const preview = await h.preview();
    // One update of the Sprint, never its replacement.
    expect(changesOf(preview.summary)).toEqual({ update: 1 });
    expect(sprintDetailedDiff(preview.events)).toEqual({
      'tasks["t002"].projectId': expect.objectContaining({ diffKind: "update" }),
    });
    const notes = preview.events
      .map((e) => e.diagnosticEvent?.message ?? "")
      .filter((m) => m.includes("created again inside the Sprint"));
    expect(notes).toEqual([expect.stringContaining('tasks["t002"] is created again')]);
    const before = h.emulator.snapshot().tasks.find((t) => t.title === moved.t002.title)?.id;
    const mark = h.emulator.log.length;
    const res = await h.up();
    const calls = h.emulator.log.slice(mark);
    expect(calls.filter((e) => e.method === "POST")).toHaveLength(1);
    expect(calls.filter((e) => e.method === "DELETE")).toHaveLength(1);
    const after = (res.outputs.ids as Record<string, string>).t002;
    expect(after).not.toBe(before);
    expect(h.emulator.snapshot().tasks.find((t) => t.id === after)?.projectId).toBe(
      "proj_elsewhere",
    );
    expect(h.emulator.snapshot().tasks).toHaveLength(40);
    expect(changesOf((await h.preview()).summary)).toEqual({});
  });

  it("stores at most 1 KB per task", async () => {
    const { resources } = await h.exportState();
    const sprint = resources.find((r) => r.type === "acp:index:Sprint");
    for (const task of Object.values(sprint?.outputs.tasks as Record<string, unknown>)) {
      expect(JSON.stringify(task).length).toBeLessThanOrEqual(1024);
    }
  });

  it("destroys every task", async () => {
    expect(changesOf((await h.destroy()).summary)).toEqual({ delete: 2 });
    expect(h.emulator.snapshot().tasks).toEqual([]);
  });
});

/** The convergence suite's fault mix, on every /v1 route. */
const FAULTS: FaultOptions = {
  errorRate: 0.1,
  errorStatus: 503,
  rateLimitRate: 0.05,
  retryAfterSeconds: 1,
  resetRate: 0.02,
  dropResponseRate: 0.02,
  latencyJitterMs: 40,
};

describe.each([true, false])(
  "a 500-task Sprint under injected faults (server idempotency %s)",
  (idempotencyReplay) => {
    let h: Harness;
    // 10 layers of 50: the fault mix's Retry-After waits stay off a long critical path.
    const specs = layeredTaskGraph(`faults-${idempotencyReplay}`, 10, 50);

    beforeAll(async () => {
      h = await Harness.create({
        program: sprintProgram(specs),
        emulator: { faults: FAULTS, seed: 11, idempotencyReplay },
        acpPlugin: true,
      });
    });
    afterAll(() => h?.cleanup());

    it("converges within two ups with no duplicate and none missing, and destroy empties the server", async () => {
      let ups = 0;
      const failures: string[] = [];
      for (; ups < 2;) {
        ups++;
        try {
          await h.up();
          break;
        } catch (err) {
          // A partial failure: the next up continues from what the state records.
          failures.push((err as Error).message.slice(-1500));
        }
      }
      expect({ ups, failures }).toEqual({
        ups: expect.any(Number),
        failures: failures.slice(0, 1),
      });
      expect(compareWithGraph(specs, h.emulator.snapshot())).toEqual({
        missing: [],
        duplicates: 0,
        extra: 0,
        wrongDependencies: [],
      });
      expect(ups).toBeLessThanOrEqual(2);
      expect(h.emulator.stats().faultsInjected.error).toBeGreaterThan(0);
      expect(h.emulator.stats().faultsInjected.drop).toBeGreaterThan(0);
      await h.destroy();
      expect(h.emulator.snapshot().tasks).toEqual([]);
    });
  },
);
