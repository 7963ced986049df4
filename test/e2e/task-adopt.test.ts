/** Existing tasks: adoption by id, read-only references with Task.get, and the import option. */
import { AcpClient, Task } from "pulumi-acp";
import { changesOf, E2E_TOKEN, Harness } from "./harness";

jest.setTimeout(600_000);

describe("existing tasks through the engine", () => {
  let h: Harness;
  let api: AcpClient;
  let adoptedId: string;
  let referencedId: string;
  const byId = (id: string) => h.emulator.snapshot().tasks.find((t) => t.id === id);

  beforeAll(async () => {
    h = await Harness.create({ program: async () => ({}) });
    api = new AcpClient({ baseUrl: h.baseUrl, token: E2E_TOKEN });
    adoptedId = (
      await api.tasks.create({ title: "Made by hand", priority: "low", description: "keep me" })
    ).id as string;
    referencedId = (await api.tasks.create({ title: "Someone else's task", priority: "urgent" }))
      .id as string;
  });
  afterAll(async () => {
    await api?.close();
    await h?.cleanup();
  });

  it("adopts an existing task instead of creating one, and reads another with Task.get", async () => {
    h.setProgram(async () => {
      const adopted = new Task("adopted", {
        title: "Managed now",
        priority: "high",
        adoptExistingId: adoptedId,
      });
      const ref = Task.get("ref", referencedId);
      const dependent = new Task("dependent", {
        title: "Follows both",
        dependencyIds: [adopted.id, ref.id],
      });
      return {
        adopted: adopted.id,
        refTitle: ref.title,
        refPriority: ref.priority,
        dependent: dependent.id,
      };
    });
    const up = await h.up();
    expect(up.outputs.adopted).toBe(adoptedId);
    expect(up.outputs).toMatchObject({ refTitle: "Someone else's task", refPriority: "urgent" });
    const tasks = h.emulator.snapshot().tasks;
    expect(tasks).toHaveLength(3); // the two existing ones and the dependent: nothing duplicated
    // Fields the program sets are updated; the rest of the adopted task is left as it was.
    expect(byId(adoptedId)).toMatchObject({
      title: "Managed now",
      priority: "high",
      description: "keep me",
    });
    expect(byId(referencedId)).toMatchObject({ title: "Someone else's task", priority: "urgent" });
    expect(new Set(byId(up.outputs.dependent as string)?.dependencyIds)).toEqual(
      new Set([adoptedId, referencedId]),
    );
    expect(changesOf((await h.preview()).summary)).toEqual({});
    expect(changesOf((await h.refresh()).summary)).toEqual({});
  });

  it("fails clearly when the task to adopt does not exist, creating nothing", async () => {
    const before = h.emulator.snapshot().tasks.length;
    h.setProgram(async () => {
      new Task("ghost", { title: "Ghost", adoptExistingId: "task_does_not_exist" });
    });
    const err = await h.up().then(
      () => undefined,
      (e: Error) => e,
    );
    expect(String(err?.message)).toMatch(
      /adoptExistingId: there is no task task_does_not_exist to adopt/,
    );
    expect(h.emulator.snapshot().tasks).toHaveLength(before);
  });

  it("destroy deletes adopted and created tasks but never a task only referenced with get", async () => {
    await h.destroy();
    expect(byId(adoptedId)).toBeUndefined();
    expect(byId(referencedId)).toBeDefined();
    expect(h.emulator.snapshot().tasks).toHaveLength(1);
  });

  it("documents the engine: the import resource option does not work for dynamic providers", async () => {
    // pulumi/pulumi#16175: the engine reads the resource with no state, so no serialized
    // provider. If this starts passing, the README's advice on adoption should change.
    h.setProgram(async () => {
      new Task(
        "imported",
        { title: "Someone else's task", priority: "urgent" },
        { import: referencedId },
      );
    });
    const err = await h.up().then(
      () => undefined,
      (e: Error) => e,
    );
    // The engine's read during import carries no serialized provider for the host to load.
    expect(String(err?.message)).toMatch(/importing failed/);
    expect(String(err?.message)).toMatch(/code must be a string, not undefined/);
    expect(byId(referencedId)).toMatchObject({ title: "Someone else's task" });
  });
});
