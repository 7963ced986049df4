import { Task } from "pulumi-acp";
import { Harness } from "./harness";

jest.setTimeout(240_000);

describe("the real Pulumi engine against the emulator", () => {
  let h: Harness;
  afterAll(async () => h?.cleanup());

  it("creates a task with pulumi up and deletes it with pulumi destroy", async () => {
    h = await Harness.create({
      program: async () => {
        const t = new Task("smoke", { title: "Smoke test task", priority: "high" });
        return { id: t.id, status: t.status };
      },
    });
    const up = await h.up();
    const tasks = h.emulator.snapshot().tasks;
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ title: "Smoke test task", priority: "high" });
    expect(up.outputs.id).toBe(tasks[0].id);
    expect(up.outputs.status).toBe("backlog");
    await h.destroy();
    expect(h.emulator.snapshot().tasks).toHaveLength(0);
  });
});
