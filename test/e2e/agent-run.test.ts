/**
 * AgentRun through the real engine against the emulator: the agent runs exactly when the program
 * says (created, triggers changed, an input that replaces the run changed, or the run failed),
 * never on a second up, a refresh or a provider setting; counted by the emulator's `serverRun`.
 */
import * as pulumi from "@pulumi/pulumi";
import { AcpClient, AgentRun, type AgentRunArgs } from "pulumi-acp";
import { changesOf, E2E_TOKEN, Harness } from "./harness";
import { PluginResource } from "./plugin-programs";

jest.setTimeout(600_000);

const SERVER = "srv_sandbox";

/** One AgentRun per name, exporting each run's id, status and output. */
function program(runs: Record<string, Omit<AgentRunArgs, "serverId">>) {
  return async () => {
    const declared = Object.entries(runs).map(
      ([name, args]) => [name, new AgentRun(name, { serverId: SERVER, ...args })] as const,
    );
    return {
      runs: pulumi.output(
        Object.fromEntries(
          declared.map(([name, r]) => [
            name,
            { id: r.id, status: r.status, output: r.output, title: r.title },
          ]),
        ),
      ),
    };
  };
}

type RunOutputs = Record<string, { id: string; status: string; output: string; title: string }>;

describe("AgentRun through the engine", () => {
  let h: Harness;
  const serverRuns = () => h.emulator.stats().agentExecutions.serverRun;
  const storedRun = (id: string) => h.emulator.snapshot().runs.find((r) => r.id === id);
  const failedUp = async () => {
    const err = await h.up().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    return String((err as Error).message);
  };
  const recordedRun = async (name: string) =>
    (await h.stateResources("acp:AgentRun")).find((r) => r.urn.endsWith(`::${name}`));

  const runs: Record<string, Omit<AgentRunArgs, "serverId">> = {
    setup: { prompt: "Install the toolchain", title: "Setup", triggers: ["r1"] },
    index: { content: "Index the repository", mode: "async", pollIntervalSeconds: 0.1 },
  };
  let ids: Record<string, string> = {};

  beforeAll(async () => {
    h = await Harness.create({
      program: program(runs),
      emulator: { servers: [SERVER], asyncRun: { queuedMs: 20, runningMs: 50 } },
    });
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  it("runs a sync and an async run once each, and records both", async () => {
    const up = await h.up();
    expect(changesOf(up.summary)).toEqual({ create: 3 }); // the stack and two runs
    const out = up.outputs.runs as RunOutputs;
    ids = { setup: out.setup.id, index: out.index.id };
    expect(serverRuns()).toBe(2);
    expect(storedRun(ids.setup)).toMatchObject({ status: "completed", mode: "sync" });
    expect(storedRun(ids.index)).toMatchObject({ status: "completed", mode: "async" });
    expect(out.setup).toMatchObject({ status: "completed", title: "Setup" });
    expect(out.index.status).toBe("completed");
    expect(out.index.output).toBe(storedRun(ids.index)?.output);
  });

  it("runs nothing on a second up, a preview or a refresh", async () => {
    expect(changesOf((await h.preview()).summary)).toEqual({});
    expect(changesOf((await h.up()).summary)).toEqual({});
    expect(changesOf((await h.refresh()).summary)).toEqual({});
    expect(changesOf((await h.up()).summary)).toEqual({});
    expect(serverRuns()).toBe(2);
  });

  it("records a changed provider setting without running again", async () => {
    runs.index = { ...runs.index, waitTimeoutSeconds: 300 };
    h.setProgram(program(runs));
    expect(changesOf((await h.up()).summary)).toEqual({ update: 1 });
    expect(serverRuns()).toBe(2);
    expect((await recordedRun("index"))?.outputs.waitTimeoutSeconds).toBe(300);
  });

  it("runs again exactly once when triggers change, and not when they do not", async () => {
    runs.setup = { ...runs.setup, triggers: ["r2"] };
    h.setProgram(program(runs));
    const up = await h.up();
    expect(changesOf(up.summary)).toEqual({ replace: 1 });
    const setup = (up.outputs.runs as RunOutputs).setup;
    expect(setup.id).not.toBe(ids.setup);
    expect(serverRuns()).toBe(3);
    // The replaced run is forgotten, not deleted: the API cannot delete runs.
    expect(storedRun(ids.setup)).toBeDefined();
    ids.setup = setup.id;
    expect(changesOf((await h.up()).summary)).toEqual({});
    expect(serverRuns()).toBe(3);
  });

  it("replaces a run whose title changes: the API cannot change a run", async () => {
    runs.index = { ...runs.index, title: "Index, again" };
    h.setProgram(program(runs));
    const up = await h.up();
    expect(changesOf(up.summary)).toEqual({ replace: 1 });
    const index = (up.outputs.runs as RunOutputs).index;
    expect(index.id).not.toBe(ids.index);
    expect(storedRun(index.id)).toMatchObject({ title: "Index, again", status: "completed" });
    expect(serverRuns()).toBe(4);
    ids.index = index.id;
  });

  it("fails up with a failed run's error and records it; the next up runs it again once", async () => {
    h.emulator.setAgent({ fail: true });
    h.setProgram(program({ ...runs, flaky: { prompt: "Seed the database" } }));
    const message = await failedUp();
    expect(message).toContain("the emulator's agent is set to fail");
    expect(message).toMatch(/runs it again because it failed/);
    expect(serverRuns()).toBe(5);
    const failed = await recordedRun("flaky");
    expect(failed?.id).toMatch(/^run_/);
    expect(failed?.outputs.status).toBe("failed");
    expect(storedRun(failed?.id as string)?.status).toBe("failed");

    h.emulator.setAgent(undefined);
    const up = await h.up();
    expect(changesOf(up.summary)).toEqual({ replace: 1 });
    const flaky = (up.outputs.runs as RunOutputs).flaky;
    expect(flaky.id).not.toBe(failed?.id);
    expect(flaky.status).toBe("completed");
    expect(serverRuns()).toBe(6);
    expect(changesOf((await h.up()).summary)).toEqual({});
    expect(serverRuns()).toBe(6);
  });

  it("records an async run that outlives its wait; the next up waits for it instead of starting another", async () => {
    h.emulator.holdAsyncRuns(true);
    const long = { prompt: "Long job", mode: "async" as const, waitTimeoutSeconds: 0 };
    h.setProgram(program({ ...runs, flaky: { prompt: "Seed the database" }, long }));
    const mark = h.events.length;
    const message = await failedUp();
    const recorded = await recordedRun("long");
    expect(recorded?.id).toMatch(/^run_/);
    // The run's status was the resource's progress while the provider waited: an ephemeral info
    // message from the engine's log, named after the resource (the dynamic door has no URN).
    const progress = h.events
      .slice(mark)
      .map((e) => e.diagnosticEvent)
      .filter((d) => d?.ephemeral === true)
      .map((d) => d?.message.trim());
    expect(progress).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^long: agent run ${recorded?.id} on server ${SERVER}: (queued|running) \\(0s of 0s\\)$`,
        ),
      ),
    );
    expect(message).toContain(`agent run ${recorded?.id} on server ${SERVER} was still`);
    expect(message).toMatch(/raise waitTimeoutSeconds/);
    expect(["queued", "running"]).toContain(recorded?.outputs.status);
    expect(serverRuns()).toBe(6);

    h.emulator.holdAsyncRuns(false);
    h.setProgram(
      program({
        ...runs,
        flaky: { prompt: "Seed the database" },
        long: { ...long, waitTimeoutSeconds: 120, pollIntervalSeconds: 0.1 },
      }),
    );
    const up = await h.up();
    expect(changesOf(up.summary)).toEqual({ update: 1 });
    expect((up.outputs.runs as RunOutputs).long).toMatchObject({
      id: recorded?.id,
      status: "completed",
    });
    expect(h.emulator.snapshot().runs.filter((r) => r.input === "Long job")).toHaveLength(1);
    expect(serverRuns()).toBe(7);
    expect(changesOf((await h.up()).summary)).toEqual({});
  });

  it("destroy forgets the runs: no request, and the runs stay on their server", async () => {
    const before = h.emulator.snapshot().runs.length;
    const recordedIds = (await h.stateResources("acp:AgentRun")).map((r) => r.id);
    expect(recordedIds).toHaveLength(4);
    const mark = h.emulator.log.length;
    const destroyed = await h.destroy();
    expect(changesOf(destroyed.summary)).toEqual({ delete: 5 }); // four runs and the stack
    expect(h.emulator.log.slice(mark)).toEqual([]);
    // The engine's output says so, once per run: a kept info message naming the run. (The
    // dynamic provider is given neither the URN nor the name on delete: the run's id it is.)
    const notes = destroyed.events
      .map((e) => e.diagnosticEvent)
      .filter((d) => d?.severity === "info" && !d.ephemeral)
      .map((d) => d?.message.trim())
      .filter((m) => m?.includes("is forgotten, not deleted"));
    expect(notes.sort()).toEqual(
      recordedIds
        .sort()
        .map(
          (id) =>
            `agent run ${id} on server ${SERVER} is forgotten, not deleted: the API cannot delete a run, so it stays on its server`,
        ),
    );
    expect(h.emulator.snapshot().runs).toHaveLength(before);
    expect(await h.stateResources("acp:AgentRun")).toEqual([]);
    expect(serverRuns()).toBe(7);
  });
});

describe("AgentRun bad inputs through the engine", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.create({
      program: async () => ({}),
      emulator: { servers: [SERVER] },
    });
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  it.each([
    ["empty-prompt", { prompt: "" }, /prompt/],
    ["both-inputs", { prompt: "a", content: "b" }, /prompt[\s\S]*content|content[\s\S]*prompt/],
    ["negative-wait", { prompt: "a", waitTimeoutSeconds: -1 }, /waitTimeoutSeconds/],
    ["zero-poll", { prompt: "a", pollIntervalSeconds: 0 }, /pollIntervalSeconds/],
  ] as const)(
    "refuses %s at preview, naming the resource and the field, sending nothing",
    async (name, args, field) => {
      h.emulator.resetStats();
      h.setProgram(program({ [name]: args }));
      const message = await h.preview().then(
        () => "",
        (err: Error) => err.message,
      );
      expect(message).toMatch(new RegExp(`resource '${name}': property `));
      expect(message).toMatch(field);
      expect(h.emulator.stats().totalRequests).toBe(0);
    },
  );

  it("fails up on an unknown server, naming serverId, and runs nothing", async () => {
    h.setProgram(async () => {
      new AgentRun("elsewhere", { serverId: "srv_unknown", prompt: "Prepare" });
    });
    const message = await h.up().then(
      () => "",
      (err: Error) => err.message,
    );
    expect(message).toMatch(/elsewhere[\s\S]*srv_unknown[\s\S]*check serverId/);
    expect(h.emulator.stats().agentExecutions.serverRun).toBe(0);
    expect(h.emulator.snapshot().runs).toEqual([]);
    expect(await h.stateResources("acp:AgentRun")).toEqual([]);
  });
});

describe("AgentRun import through the engine (the acp plugin)", () => {
  // The engine cannot import dynamic resources (README, "Existing tasks"); the plugin's can.
  let h: Harness;
  const serverRuns = () => h.emulator.stats().agentExecutions.serverRun;
  /** A run made outside Pulumi, straight through the API. */
  const runMadeByHand = async (content: string) => {
    const api = new AcpClient({ baseUrl: h.baseUrl, token: E2E_TOKEN });
    try {
      return (await api.runs.create(SERVER, { content, mode: "sync" })).run;
    } finally {
      await api.close();
    }
  };
  const importing = (name: string, content: string, importId: string) => async () => {
    const run = new PluginResource(
      "acp:index:AgentRun",
      name,
      { serverId: SERVER, content },
      { import: importId },
    );
    return { id: run.id };
  };

  beforeAll(async () => {
    h = await Harness.create({
      program: async () => ({}),
      emulator: { servers: [SERVER] },
      acpPlugin: true,
    });
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  it("adopts an existing run with the import option, running nothing; then it is an ordinary resource", async () => {
    const made = await runMadeByHand("Made by hand");
    expect(serverRuns()).toBe(1);
    h.setProgram(importing("adopted", "Made by hand", `${SERVER}/${made.id}`));
    const up = await h.up();
    // Created: the stack's first acp provider (the default one).
    expect(changesOf(up.summary)).toEqual({ import: 1, create: 1 });
    const { resources } = await h.exportState();
    expect(resources.filter((r) => r.type === "pulumi:providers:acp")).toHaveLength(1);
    expect(up.outputs.id).toBe(made.id);
    const [recorded] = await h.stateResources("acp:index:AgentRun");
    expect(recorded).toMatchObject({
      id: made.id,
      outputs: expect.objectContaining({
        serverId: SERVER,
        status: "completed",
        output: made.output,
      }),
    });
    expect(serverRuns()).toBe(1);
    // The import option stays in the program: from now on nothing changes and nothing runs.
    expect(changesOf((await h.preview()).summary)).toEqual({});
    expect(changesOf((await h.up()).summary)).toEqual({});
    expect(changesOf((await h.refresh()).summary)).toEqual({});
    expect(serverRuns()).toBe(1);
    expect(h.emulator.snapshot().runs).toHaveLength(1);
  });

  it("refuses an import id that is not <serverId>/<runId>, saying what to give, running nothing", async () => {
    const made = await runMadeByHand("Another");
    const before = serverRuns();
    h.setProgram(importing("misnamed", "Another", made.id as string));
    const message = await h.up().then(
      () => "",
      (err: Error) => err.message,
    );
    expect(message).toContain(`the id "${made.id}" is not <serverId>/<runId>`);
    expect(message).toMatch(/e\.g\. srv_123\/run_456/);
    expect(serverRuns()).toBe(before);
    expect((await h.stateResources("acp:index:AgentRun")).map((r) => r.urn)).not.toContainEqual(
      expect.stringMatching(/::misnamed$/),
    );
  });
});
