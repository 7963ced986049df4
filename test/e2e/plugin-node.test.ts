/**
 * The `acp` provider plugin through the real engine, from a Node.js program (by type token, as
 * any Pulumi language uses it): the behaviours the dynamic suites check, asserted on the
 * emulator's store and on its request log.
 */
import * as pulumi from "@pulumi/pulumi";
import { AcpClient } from "pulumi-acp";
import { createEmulator, type Emulator } from "pulumi-acp/emulator";
import { changesOf, E2E_TOKEN, Harness } from "./harness";
import { AcpProvider, PluginResource, PluginTaskGraph, pluginTaskGraph } from "./plugin-programs";
import type { TaskSpec } from "./programs";

jest.setTimeout(600_000);

describe("the acp plugin from a Node.js program", () => {
  let h: Harness;
  let api: AcpClient;
  let ids: Record<string, string>;
  /** The thread backing the AgentRun: the run is forgotten, not deleted, so it stays. */
  let agentRunThreadId: string;

  const base: Record<string, TaskSpec> = {
    design: { title: "Design the API", priority: "high", projectId: "proj_a", metadata: { a: 1 } },
    build: { title: "Build it", dependsOn: ["design"], projectId: "proj_a", dueAt: "2026-12-01" },
    ship: { title: "Ship", dependsOn: ["build", "design"], description: "release" },
  };

  const store = () => h.emulator.snapshot().tasks;
  const byId = (id: string) => store().find((t) => t.id === id);
  const expectNoChanges = async () => {
    expect(changesOf((await h.preview()).summary)).toEqual({});
    expect(changesOf((await h.up()).summary)).toEqual({});
  };

  beforeAll(async () => {
    h = await Harness.create({ program: pluginTaskGraph(base), acpPlugin: true });
    api = new AcpClient({ baseUrl: h.baseUrl, token: E2E_TOKEN });
  });
  afterAll(async () => {
    await api?.close();
    await h?.cleanup();
  });

  it("creates the tasks, then previews no changes without an API call, and refreshes none", async () => {
    ids = (await h.up()).outputs.ids as Record<string, string>;
    expect(store()).toHaveLength(3);
    expect(byId(ids.build)?.dependencyIds).toEqual([ids.design]);
    expect(byId(ids.design)).toMatchObject({ priority: "high", metadata: { a: 1 } });
    h.emulator.resetStats();
    expect(changesOf((await h.preview()).summary)).toEqual({});
    expect(h.emulator.stats().totalRequests).toBe(0);
    expect(changesOf((await h.refresh()).summary)).toEqual({});
    await expectNoChanges();
    expect(await h.stateResources("acp:index:Task")).toHaveLength(3);
  });

  it("keeps the secret token out of the stored state", async () => {
    const stored = h.storedStateText();
    // The default provider's record holds the token, encrypted.
    expect(stored).toMatch(/"token":\{"4dabf18193072939515e22adb298388d":"[0-9a-f]+","ciphertext"/);
    expect(stored).not.toContain(E2E_TOKEN);
  });

  it("updates an edited field in place with one PATCH of that field", async () => {
    base.ship = { ...base.ship, description: "release notes" };
    h.setProgram(pluginTaskGraph(base));
    const mark = h.emulator.log.length;
    expect(changesOf((await h.up()).summary)).toEqual({ update: 1 });
    const patches = h.emulator.log.slice(mark).filter((e) => e.method === "PATCH");
    expect(patches.map((p) => p.body)).toEqual([{ description: "release notes" }]);
    expect(byId(ids.ship)?.description).toBe("release notes");
    await expectNoChanges();
  });

  it("replaces a task whose projectId changes and rewires its dependents", async () => {
    base.design = { ...base.design, projectId: "proj_b" };
    h.setProgram(pluginTaskGraph(base));
    const newIds = (await h.up()).outputs.ids as Record<string, string>;
    expect(newIds.design).not.toBe(ids.design);
    expect(byId(ids.design)).toBeUndefined();
    expect(byId(newIds.design)?.projectId).toBe("proj_b");
    expect(byId(ids.build)?.dependencyIds).toEqual([newIds.design]);
    ids = newIds;
    await expectNoChanges();
  });

  it("shows drift on refresh, and the next up reverts it", async () => {
    await api.tasks.update(ids.build, { title: "Renamed by hand" });
    expect(changesOf((await h.refresh()).summary)).toEqual({ update: 1 });
    expect(changesOf((await h.preview()).summary)).toEqual({ update: 1 });
    await h.up();
    expect(byId(ids.build)?.title).toBe("Build it");
    await expectNoChanges();
  });

  it("drops a task deleted out of band on refresh and recreates it on up", async () => {
    await api.tasks.delete(ids.ship);
    expect(changesOf((await h.refresh()).summary)).toMatchObject({ delete: 1 });
    const newIds = (await h.up()).outputs.ids as Record<string, string>;
    expect(newIds.ship).not.toBe(ids.ship);
    expect(byId(newIds.ship)).toMatchObject({ title: "Ship", description: "release notes" });
    ids = newIds;
    await expectNoChanges();
  });

  it("adopts a hand-made task with the import option; the next preview shows no changes", async () => {
    const made = await api.tasks.create({ title: "Made by hand", priority: "low" });
    const program = pluginTaskGraph(
      { ...base, adopted: { title: "Made by hand", priority: "low" } },
      { adopted: { import: made.id as string } },
    );
    h.setProgram(program);
    const up = await h.up();
    expect(changesOf(up.summary)).toEqual({ import: 1 });
    expect((up.outputs.ids as Record<string, string>).adopted).toBe(made.id);
    // The import option stays in the program; from now on it is an ordinary resource.
    await expectNoChanges();
    expect(store()).toHaveLength(4);
  });

  it("constructs a TaskGraph with a started thread, and runs a thread of its own", async () => {
    h.setProgram(async () => {
      const graph = new PluginTaskGraph("sprint", {
        defaults: { projectId: "proj_g" },
        tasks: {
          plan: { title: "Plan", thread: { mode: "start", title: "Planning" } },
          work: { title: "Work", dependsOn: ["plan"] },
        },
      });
      const solo = new PluginResource("acp:index:Task", "solo", { title: "Solo" });
      const run = new PluginResource("acp:index:TaskThread", "solo-run", {
        taskId: solo.id,
        mode: "run",
        message: "Do the solo work",
      });
      const kickoff = new PluginResource("acp:index:Thread", "kickoff", {
        title: "Kickoff",
        content: "Plan the sprint",
        triggers: ["r1"],
      });
      const setup = new PluginResource("acp:index:AgentRun", "sandbox-setup", {
        serverId: "srv_sandbox",
        prompt: "Prepare the sandbox",
        mode: "async",
        pollIntervalSeconds: 0.1,
        triggers: ["r1"],
      });
      return {
        taskIds: graph.taskIds,
        threadIds: graph.threadIds,
        runId: run.id,
        kickoffId: kickoff.id,
        agentRunId: setup.id,
        mermaid: graph.mermaid,
      };
    });
    const up = await h.up();
    const agentRun = h.emulator.snapshot().runs.find((r) => r.id === up.outputs.agentRunId);
    expect(agentRun).toMatchObject({ serverId: "srv_sandbox", status: "completed" });
    agentRunThreadId = agentRun?.threadId as string;
    // The async run's status was the resource's progress while the plugin waited for it: an
    // ephemeral info message from the engine's log, on the resource's own URN.
    const progress = up.events
      .map((e) => e.diagnosticEvent)
      .filter((d) => d?.ephemeral === true && d.urn?.endsWith("::sandbox-setup"));
    expect(progress.map((d) => d?.message.trim())).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^agent run ${agentRun?.id} on server srv_sandbox: (queued|running) \\(0s of 10m\\)$`,
        ),
      ),
    );
    expect(h.emulator.stats().agentExecutions.serverRun).toBe(1);
    expect(await h.stateResources("acp:index:AgentRun")).toHaveLength(1);
    const taskIds = up.outputs.taskIds as Record<string, string>;
    const threadIds = up.outputs.threadIds as Record<string, string>;
    expect(byId(taskIds.work)).toMatchObject({
      projectId: "proj_g",
      dependencyIds: [taskIds.plan],
    });
    const threads = h.emulator.snapshot().threads;
    expect(threads.find((t) => t.id === threadIds.plan)?.title).toBe("Planning");
    const run = threads.find((t) => t.id === up.outputs.runId);
    expect(run).toMatchObject({ task: "Do the solo work" });
    expect(String(up.outputs.mermaid)).toContain('t_plan["Plan"]');
    expect(threads.find((t) => t.id === up.outputs.kickoffId)).toMatchObject({
      title: "Kickoff",
      task: "Plan the sprint",
      status: "completed",
    });
    expect(h.emulator.stats().agentExecutions.threadContent).toBe(1);
    expect(await h.stateResources("acp:index:Thread")).toEqual([
      expect.objectContaining({
        id: up.outputs.kickoffId,
        outputs: expect.objectContaining({ prompt: "Plan the sprint", triggers: ["r1"] }),
      }),
    ]);
    // The dynamic tasks of the earlier steps are gone with the program that declared them.
    expect(store()).toHaveLength(3);
    await expectNoChanges();
    expect(changesOf((await h.refresh()).summary)).toEqual({});
    expect(h.emulator.stats().agentExecutions.threadContent).toBe(1);
    expect(h.emulator.stats().agentExecutions.serverRun).toBe(1);
  });

  it("reports a bad input naming the resource and the field", async () => {
    h.setProgram(async () => {
      new PluginResource("acp:index:Task", "bad", { title: "t", priority: "p1" });
    });
    await expect(h.preview()).rejects.toThrow(/priority/);
  });

  describe("with an explicit provider for a second account", () => {
    let second: Emulator;
    let secondUrl: string;
    const SECOND_TOKEN = `second-${E2E_TOKEN}`;

    beforeAll(async () => {
      second = createEmulator({ token: SECOND_TOKEN });
      secondUrl = await second.listen(0);
    });
    afterAll(async () => second?.close());

    it("creates each task in its provider's account, and keeps both tokens out of the state", async () => {
      h.setProgram(async () => {
        const other = new AcpProvider("second", {
          baseUrl: secondUrl,
          token: pulumi.secret(SECOND_TOKEN),
        });
        new PluginResource("acp:index:Task", "here", { title: "In the first account" });
        new PluginResource(
          "acp:index:Task",
          "there",
          { title: "In the second account" },
          { provider: other },
        );
      });
      await h.up();
      expect(store().map((t) => t.title)).toEqual(["In the first account"]);
      expect(second.snapshot().tasks.map((t) => t.title)).toEqual(["In the second account"]);
      const stored = h.storedStateText();
      expect(stored).not.toContain(E2E_TOKEN);
      expect(stored).not.toContain(SECOND_TOKEN);
      await expectNoChanges();
    });

    it("destroy empties both accounts", async () => {
      await h.destroy();
      expect(store()).toEqual([]);
      expect(second.snapshot().tasks).toEqual([]);
      expect(h.emulator.snapshot().threads.map((t) => t.id)).toEqual([agentRunThreadId]);
      expect(h.emulator.snapshot().runs).toHaveLength(1);
    });
  });
});
