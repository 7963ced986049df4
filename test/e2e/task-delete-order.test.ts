/**
 * Dependencies given as plain id strings hide the order from the engine, which then deletes a
 * task and its dependents at the same time; the provider's delete waits for the dependents.
 */
import { Task } from "pulumi-acp";
import { Harness } from "./harness";

jest.setTimeout(300_000);

describe("Task delete order", () => {
  let h: Harness;
  afterAll(async () => h?.cleanup());

  it("destroys in one run when dependencies are plain ids the engine cannot order", async () => {
    h = await Harness.create({
      program: async () => ({ base: new Task("base", { title: "Base" }).id }),
    });
    const baseId = (await h.up()).outputs.base as string;
    h.setProgram(async () => {
      const base = new Task("base", { title: "Base" });
      // A literal id: no Output, so no dependency edge in the engine's graph.
      // The deletes all start together; the dependents' are held back so the base's is handled
      // first and meets them, every time.
      const dependents = [1, 2, 3].map(
        (i) => new Task(`dep-${i}`, { title: `Dependent ${i}`, dependencyIds: [baseId] }),
      );
      return { base: base.id, dependents: dependents.map((d) => d.id) };
    });
    const { outputs } = await h.up();
    expect(h.emulator.snapshot().tasks).toHaveLength(4);
    const dependentIds = outputs.dependents as string[];
    h.emulator.setFaults({ latencyMs: 1500, routes: dependentIds.map((id) => `/v1/tasks/${id}`) });
    await h.destroy();
    expect(h.emulator.snapshot().tasks).toHaveLength(0);
    const conflicts = h.emulator.log.filter((e) => e.method === "DELETE" && e.status === 409);
    // The order was really unknown to the engine: the base's delete met its dependents, waited,
    // and went through once they were gone.
    expect(conflicts.length).toBeGreaterThan(0);
    const deletes = h.emulator.log.filter((e) => e.method === "DELETE" && e.status === 204);
    expect(deletes.at(-1)?.path).toBe(`/v1/tasks/${baseId}`);
  });
});
