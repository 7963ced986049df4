/**
 * The Task resource through the real engine, in the spirit of Pulumi's ProgramTest: up, then
 * an empty preview, up and refresh, then edit steps, asserting on the emulator's store.
 */
import { AcpClient } from "pulumi-acp";
import { changesOf, E2E_TOKEN, Harness } from "./harness";
import { taskGraph, type TaskSpec } from "./programs";

jest.setTimeout(600_000);

describe("Task through the engine", () => {
  let h: Harness;
  let api: AcpClient;
  let ids: Record<string, string>;

  const base: Record<string, TaskSpec> = {
    design: {
      title: "Design the API",
      priority: "high",
      projectId: "proj_a",
      metadata: { area: "api", tags: ["x", "y"] },
    },
    build: { title: "Build it", dependsOn: ["design"], projectId: "proj_a", dueAt: "2026-12-01" },
    docs: {
      title: "Write docs",
      dependsOn: ["design"],
      projectId: "proj_a",
      description: "user guide",
    },
    ship: {
      title: "Ship",
      dependsOn: ["build", "docs"],
      projectId: "proj_a",
      sprintId: "sprint_1",
    },
  };

  const store = () => h.emulator.snapshot().tasks;
  const byId = (id: string) => store().find((t) => t.id === id);
  const expectNoChanges = async () => {
    expect(changesOf((await h.preview()).summary)).toEqual({});
    expect(changesOf((await h.up()).summary)).toEqual({});
  };

  beforeAll(async () => {
    h = await Harness.create({ program: taskGraph(base) });
    api = new AcpClient({ baseUrl: h.baseUrl, token: E2E_TOKEN });
  });
  afterAll(async () => {
    await api?.close();
    await h?.cleanup();
  });

  it("creates the graph with dependencyIds wired, then shows no changes on preview, up and refresh", async () => {
    const up = await h.up();
    ids = up.outputs.ids as Record<string, string>;
    expect(store()).toHaveLength(4);
    expect(byId(ids.build)?.dependencyIds).toEqual([ids.design]);
    expect(new Set(byId(ids.ship)?.dependencyIds)).toEqual(new Set([ids.build, ids.docs]));
    expect(byId(ids.design)).toMatchObject({
      priority: "high",
      metadata: { area: "api", tags: ["x", "y"] },
    });
    await expectNoChanges();
    expect(changesOf((await h.refresh()).summary)).toEqual({});
    await expectNoChanges();
  });

  it("keeps the token out of the state and the serialized provider small", async () => {
    const stored = h.storedStateText();
    expect(stored).toContain('"acp:token"');
    expect(stored).not.toContain(E2E_TOKEN);
    const { resources } = await h.exportState();
    // Only the engine's own provider record holds the (secret) config; no Task does.
    for (const r of resources.filter((r) => r.type !== "pulumi:providers:pulumi-nodejs")) {
      expect(JSON.stringify(r)).not.toContain(E2E_TOKEN);
    }
    const tasks = resources.filter((r) => r.type === "pulumi-nodejs:dynamic/acp:Task");
    expect(tasks).toHaveLength(4);
    for (const r of tasks) {
      expect(String(r.outputs.__provider).length).toBeLessThan(1024);
      expect(JSON.stringify({ inputs: r.inputs, outputs: r.outputs }).length).toBeLessThan(4096);
    }
  });

  it("updates an edited field in place with only that field", async () => {
    h.setProgram(
      taskGraph({ ...base, docs: { ...base.docs, description: "user and admin guide" } }),
    );
    h.emulator.resetStats();
    const up = await h.up();
    expect(changesOf(up.summary)).toEqual({ update: 1 });
    expect(byId(ids.docs)?.description).toBe("user and admin guide");
    const patches = h.emulator.log.filter((e) => e.method === "PATCH");
    expect(patches).toHaveLength(1);
    expect(patches[0].body).toEqual({ description: "user and admin guide" });
    await expectNoChanges();
  });

  it("shows no diff when dependencyIds are only reordered", async () => {
    const reordered = {
      ...base,
      docs: { ...base.docs, description: "user and admin guide" },
      ship: { ...base.ship, dependsOn: ["docs", "build"] },
    };
    h.setProgram(taskGraph(reordered));
    expect(changesOf((await h.preview()).summary)).toEqual({});
  });

  it("adds and removes dependencies", async () => {
    const specs: Record<string, TaskSpec> = {
      ...base,
      docs: { ...base.docs, description: "user and admin guide", dependsOn: ["design", "build"] },
      ship: { ...base.ship, dependsOn: ["docs"] },
    };
    h.setProgram(taskGraph(specs));
    const up = await h.up();
    expect(changesOf(up.summary)).toEqual({ update: 2 });
    expect(new Set(byId(ids.docs)?.dependencyIds)).toEqual(new Set([ids.design, ids.build]));
    expect(byId(ids.ship)?.dependencyIds).toEqual([ids.docs]);
    await expectNoChanges();
    base.docs = specs.docs;
    base.ship = specs.ship;
  });

  it("replaces a task whose projectId changes, updates its dependents, and leaves no orphan", async () => {
    h.setProgram(taskGraph({ ...base, design: { ...base.design, projectId: "proj_b" } }));
    const up = await h.up();
    const newIds = up.outputs.ids as Record<string, string>;
    expect(newIds.design).not.toBe(ids.design);
    expect(byId(ids.design)).toBeUndefined();
    expect(byId(newIds.design)?.projectId).toBe("proj_b");
    expect(byId(ids.build)?.dependencyIds).toEqual([newIds.design]);
    expect(store()).toHaveLength(4);
    ids = newIds;
    base.design = { ...base.design, projectId: "proj_b" };
    await expectNoChanges();
  });

  it("shows drift made on the server after refresh, and the next up reverts it", async () => {
    await api.tasks.update(ids.build, { title: "Renamed by hand", priority: "urgent" });
    const refresh = await h.refresh();
    expect(changesOf(refresh.summary)).toEqual({ update: 1 });
    // priority is not set by the program for "build": unmanaged, so it stays as the server has it.
    const preview = await h.preview();
    expect(changesOf(preview.summary)).toEqual({ update: 1 });
    await h.up();
    expect(byId(ids.build)).toMatchObject({ title: "Build it", priority: "urgent" });
    await expectNoChanges();
  });

  it("leaves a status that agents move alone when the program does not set it", async () => {
    await api.tasks.update(ids.design, { status: "in_progress" });
    await h.refresh();
    expect(changesOf((await h.preview()).summary)).toEqual({});
    expect(byId(ids.design)?.status).toBe("in_progress");
  });

  it("drops a task deleted out of band on refresh and recreates it on the next up", async () => {
    // ship depends on docs: make ship independent on the server first so docs can be deleted.
    await api.tasks.update(ids.ship, { dependencyIds: [] });
    await api.tasks.delete(ids.docs);
    const refresh = await h.refresh();
    expect(changesOf(refresh.summary)).toMatchObject({ delete: 1 });
    const up = await h.up();
    const newIds = up.outputs.ids as Record<string, string>;
    expect(newIds.docs).not.toBe(ids.docs);
    expect(byId(newIds.docs)?.title).toBe("Write docs");
    expect(byId(ids.ship)?.dependencyIds).toEqual([newIds.docs]);
    expect(store()).toHaveLength(4);
    ids = newIds;
    await expectNoChanges();
  });

  it("creates a task straight into in_review, which the create request does not accept", async () => {
    h.setProgram(taskGraph({ ...base, review: { title: "Review", status: "in_review" } }));
    const up = await h.up();
    ids = up.outputs.ids as Record<string, string>;
    expect(byId(ids.review)?.status).toBe("in_review");
    await expectNoChanges();
  });

  it("destroy leaves the server empty", async () => {
    await h.destroy();
    expect(store()).toHaveLength(0);
    expect(await h.stateResources("acp:Task")).toHaveLength(0);
  });
});
