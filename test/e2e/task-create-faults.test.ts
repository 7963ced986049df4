/**
 * A create whose answer is lost must not leave two tasks: the provider's create carries an
 * Idempotency-Key stable for the resource and its inputs, and the client retries it.
 */
import { changesOf, Harness } from "./harness";
import { taskGraph, type TaskSpec } from "./programs";

jest.setTimeout(600_000);

describe("Task create with lost answers", () => {
  let h: Harness;
  afterAll(async () => h?.cleanup());

  it("creates each task exactly once when the API drops half of the create answers", async () => {
    const specs: Record<string, TaskSpec> = {};
    for (let i = 0; i < 12; i++) {
      specs[`t${i}`] = { title: `Task ${i}`, dependsOn: i > 0 ? [`t${i - 1}`] : undefined };
    }
    h = await Harness.create({
      program: taskGraph(specs),
      // Identical titles in other stacks must not collide: only this resource's key matters.
      emulator: { seed: 7, faults: { dropResponseRate: 0.5, routes: ["/v1/tasks"] } },
      config: { "acp:maxRetries": { value: "8" } },
    });
    const up = await h.up();
    const stats = h.emulator.stats();
    expect(stats.faultsInjected.drop).toBeGreaterThan(0);
    const tasks = h.emulator.snapshot().tasks;
    expect(tasks).toHaveLength(12);
    expect(new Set(tasks.map((t) => t.title)).size).toBe(12);
    const ids = up.outputs.ids as Record<string, string>;
    for (let i = 1; i < 12; i++) {
      expect(tasks.find((t) => t.id === ids[`t${i}`])?.dependencyIds).toEqual([ids[`t${i - 1}`]]);
    }
    h.emulator.setFaults(undefined);
    expect(changesOf((await h.refresh()).summary)).toEqual({});
    await h.destroy();
    expect(h.emulator.snapshot().tasks).toHaveLength(0);
  });
});
