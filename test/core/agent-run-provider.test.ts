/**
 * The AgentRun provider core against the in-process emulator: check and diff, and the paid work
 * (the emulator's `serverRun` count) of create, read, update and delete, including a failed run,
 * a run that outlives its wait, and a create whose answer is lost.
 */
import type { Emulator } from "../../emulator";
import { emulatorForCore } from "./helpers";
import { acpClient, providerCore, RUN_EVENTS_KEPT } from "../../provider/core";
import { UNKNOWN } from "../../provider/core/compare";

const TOKEN = "agent-run-token";
const KEY = { resourceKey: "proj/stack/setup" };
let emulator: Emulator;
const core = providerCore("agentRun");

type Partial = Error & { id?: string; properties?: Record<string, unknown> };

const failuresOf = async (news: Record<string, unknown>) =>
  (await core.check({}, news)).failures ?? [];
const serverRuns = () => emulator.stats().agentExecutions.serverRun;
const createFails = async (inputs: Record<string, unknown>): Promise<Partial> => {
  const err = await core.create(inputs as never, KEY).then(
    () => undefined,
    (e: unknown) => e as Partial,
  );
  expect(err).toBeInstanceOf(Error);
  return err as Partial;
};

let close: () => Promise<void>;
beforeAll(async () => {
  ({ emulator, close } = await emulatorForCore({ token: TOKEN, servers: ["srv_1", "srv_2"] }));
});
afterAll(() => close());
beforeEach(() => {
  emulator.reset();
  emulator.resetStats();
  emulator.setAgent(undefined);
  emulator.setFaults(undefined);
  emulator.holdAsyncRuns(false);
});

describe("AgentRun check", () => {
  it("accepts a minimal and a full run", async () => {
    expect(await failuresOf({ serverId: "srv_1", prompt: "go" })).toEqual([]);
    expect(
      await failuresOf({
        serverId: "srv_1",
        content: "go",
        title: "Setup",
        mode: "async",
        metadata: { a: { b: 1 } },
        waitTimeoutSeconds: 0,
        pollIntervalSeconds: 0.5,
        triggers: ["v1.2.0", { nightly: true }, 3],
        __acpKey: "p/s/n",
      }),
    ).toEqual([]);
  });

  it.each([
    [{ prompt: "go" }, "serverId", /required/],
    [{ serverId: " ", prompt: "go" }, "serverId", /non-empty/],
    [{ serverId: "srv_1" }, "prompt", /required.*prompt \(or content\)/],
    [{ serverId: "srv_1", prompt: "" }, "prompt", /must not be empty/],
    [{ serverId: "srv_1", content: "  " }, "content", /must not be empty/],
    [
      { serverId: "srv_1", prompt: "a", content: "b" },
      "content",
      /AgentRun takes prompt or content, not both/,
    ],
    [{ serverId: "srv_1", prompt: "go", mode: "later" }, "mode", /sync.*async/],
    [
      { serverId: "srv_1", prompt: "go", waitTimeoutSeconds: -1 },
      "waitTimeoutSeconds",
      /0 or more/,
    ],
    [
      { serverId: "srv_1", prompt: "go", pollIntervalSeconds: 0 },
      "pollIntervalSeconds",
      /more than 0/,
    ],
    [{ serverId: "srv_1", prompt: "go", triggers: "v1" }, "triggers", /list/],
    [{ serverId: "srv_1", prompt: "go", stream: true }, "stream", /not a property/],
  ])("reports %j on %s", async (news, property, reason) => {
    expect(await failuresOf(news)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ property, reason: expect.stringMatching(reason) }),
      ]),
    );
  });

  it("tolerates values not known until apply", async () => {
    expect(await failuresOf({ serverId: UNKNOWN, prompt: UNKNOWN, triggers: UNKNOWN })).toEqual([]);
  });
});

describe("AgentRun diff", () => {
  const inputs = { serverId: "srv_1", prompt: "go", title: "Setup", triggers: ["v1"] };
  const olds = {
    ...inputs,
    mode: "sync",
    waitTimeoutSeconds: 600,
    pollIntervalSeconds: 2,
    metadata: {},
    status: "completed",
  };
  const diff = (o: Record<string, unknown>, news: Record<string, unknown>) =>
    core.diff("run_1", o, news as never);

  it("shows no change for the same inputs, defaults and metadata the API filled in", async () => {
    expect(await diff(olds, inputs)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it.each([
    ["serverId", { serverId: "srv_2" }],
    ["prompt", { prompt: "go on" }],
    ["content", { prompt: undefined, content: "go" }],
    ["mode", { mode: "async" }],
    ["title", { title: "Setup, again" }],
    ["metadata", { metadata: { owner: "ops" } }],
    ["triggers", { triggers: ["v2"] }],
    ["triggers", { triggers: undefined }],
    ["triggers", { triggers: UNKNOWN }],
  ])("replaces (runs again) on %s", async (field, change) => {
    const res = await diff(olds, { ...inputs, ...change });
    expect(res).toMatchObject({ changes: true, deleteBeforeReplace: false });
    expect(res.replaces).toContain(field);
  });

  it("compares triggers deeply, key order aside", async () => {
    const o = { ...olds, triggers: [{ release: "v1", at: 1 }] };
    expect(await diff(o, { ...inputs, triggers: [{ at: 1, release: "v1" }] })).toMatchObject({
      changes: false,
    });
  });

  it("changes the provider settings without running again", async () => {
    const res = await diff(olds, { ...inputs, waitTimeoutSeconds: 60, pollIntervalSeconds: 1 });
    expect(res).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });

  it("runs a failed or cancelled run again, saying it is its status", async () => {
    for (const status of ["failed", "cancelled"]) {
      expect((await diff({ ...olds, status }, inputs)).replaces).toEqual(["status"]);
    }
  });

  it("waits for a recorded run that has not ended instead of replacing it", async () => {
    for (const status of ["queued", "running"]) {
      expect(await diff({ ...olds, status }, inputs)).toEqual({
        changes: true,
        replaces: [],
        deleteBeforeReplace: false,
      });
    }
  });

  it("gives an imported run the program's mode, prompt, triggers and settings", async () => {
    const imported = { serverId: "srv_1", title: "Setup", status: "completed", input: "x" };
    expect(await diff(imported, { ...inputs, mode: "async" })).toMatchObject({ changes: false });
  });
});

describe("AgentRun create, read, update and delete", () => {
  it("runs a sync run once and records it, with its events", async () => {
    const { id, outs } = await core.create(
      { serverId: "srv_1", prompt: "Install the toolchain", title: "Setup" } as never,
      KEY,
    );
    expect(serverRuns()).toBe(1);
    expect(id).toMatch(/^run_/);
    const stored = emulator.snapshot().runs.find((r) => r.id === id);
    expect(stored).toMatchObject({ status: "completed", input: "Install the toolchain" });
    expect(outs).toMatchObject({
      serverId: "srv_1",
      prompt: "Install the toolchain",
      title: "Setup",
      mode: "sync",
      waitTimeoutSeconds: 600,
      pollIntervalSeconds: 2,
      status: "completed",
      output: stored?.output,
      threadId: stored?.threadId,
      threadBacked: true,
      completedAt: expect.any(String),
    });
    expect(outs).not.toHaveProperty("content");
    expect(outs).not.toHaveProperty("id");
    expect((outs.events as Array<{ role: string }>).map((e) => e.role)).toEqual([
      "user",
      "assistant",
    ]);
  });

  it("keeps only the last events of a run", async () => {
    const { id, outs } = await core.create({ serverId: "srv_1", prompt: "x" } as never, KEY);
    const many = Array.from({ length: RUN_EVENTS_KEPT + 5 }, (_, i) => ({
      id: `evt_${i}`,
      role: "assistant",
      content: `step ${i}`,
    }));
    const original = structuredClone(outs);
    // The API's log of a long run: more events than the state keeps.
    const retrieve = jest
      .spyOn(acpClient().runs, "retrieve")
      .mockResolvedValue({ serverId: "srv_1", run: { id, status: "completed" }, events: many });
    try {
      const read = await core.read(id, original);
      const events = read.props?.events as Array<{ id: string }>;
      expect(events).toHaveLength(RUN_EVENTS_KEPT);
      expect(events[0].id).toBe("evt_5");
      expect(events[RUN_EVENTS_KEPT - 1].id).toBe(`evt_${RUN_EVENTS_KEPT + 4}`);
    } finally {
      retrieve.mockRestore();
    }
  });

  it("polls an async run until it has ended", async () => {
    const { id, outs } = await core.create(
      {
        serverId: "srv_1",
        content: "Index the repo",
        mode: "async",
        pollIntervalSeconds: 0.05,
      } as never,
      KEY,
    );
    expect(outs).toMatchObject({ status: "completed", mode: "async", content: "Index the repo" });
    expect(outs.output).toContain("Index the repo");
    expect(emulator.snapshot().runs.find((r) => r.id === id)?.status).toBe("completed");
    expect(serverRuns()).toBe(1);
    const gets = emulator.log.filter((e) => e.method === "GET" && e.path.endsWith(id));
    expect(gets.length).toBeGreaterThan(0);
  });

  it("records an async run that outlives its wait, and the next update waits for it instead of starting another", async () => {
    emulator.holdAsyncRuns(true);
    const inputs = {
      serverId: "srv_1",
      prompt: "Long job",
      mode: "async",
      waitTimeoutSeconds: 0,
      pollIntervalSeconds: 0.05,
    };
    const err = await createFails(inputs);
    expect(err.id).toMatch(/^run_/);
    expect(err.message).toContain(`agent run ${err.id} on server srv_1 was still`);
    expect(err.message).toMatch(/after waitTimeoutSeconds \(0s\).*raise waitTimeoutSeconds/);
    expect(err.message).toMatch(/waits for it again instead of starting another/);
    expect(["queued", "running"]).toContain(err.properties?.status);
    expect(emulator.snapshot().runs).toHaveLength(1);

    // The next up: the recorded run is waited for, not replaced.
    const olds = err.properties as Record<string, unknown>;
    const next = { ...inputs, waitTimeoutSeconds: 30 };
    expect(await core.diff(err.id as string, olds, next as never)).toMatchObject({
      changes: true,
      replaces: [],
    });
    emulator.holdAsyncRuns(false);
    const { outs } = await core.update(err.id as string, olds, next as never);
    expect(outs).toMatchObject({ status: "completed", waitTimeoutSeconds: 30 });
    expect(emulator.snapshot().runs).toHaveLength(1);
    expect(serverRuns()).toBe(1);
  });

  it("records a failed run with its error; the replacement runs it once more, and a retry of that not again", async () => {
    emulator.setAgent({ fail: true });
    const inputs = { serverId: "srv_1", prompt: "Set up the database", triggers: ["r1"] };
    const err = await createFails(inputs);
    expect(err.id).toMatch(/^run_/);
    expect(err.message).toContain(`agent run ${err.id} on server srv_1 failed`);
    expect(err.message).toContain("the emulator's agent is set to fail");
    expect(err.message).toMatch(/next pulumi up runs it again because it failed/);
    // What the engine shows of a partial create: its reasons.
    expect((err as { reasons?: string[] }).reasons).toEqual([err.message]);
    expect(err.properties).toMatchObject({ status: "failed", error: expect.any(String) });
    expect(serverRuns()).toBe(1);

    const olds = err.properties as Record<string, unknown>;
    expect((await core.diff(err.id as string, olds, inputs as never)).replaces).toEqual(["status"]);
    emulator.setAgent(undefined);
    // Same resource, same inputs: the key replays the failed run, which is run again once.
    const rerun = await core.create(inputs as never, KEY);
    expect(rerun.id).not.toBe(err.id);
    expect(rerun.outs.status).toBe("completed");
    expect(serverRuns()).toBe(2);
    // The re-run's answer lost and asked for again: the same run, not a third execution.
    const again = await core.create(inputs as never, KEY);
    expect(again.id).toBe(rerun.id);
    expect(serverRuns()).toBe(2);
    expect(emulator.snapshot().runs).toHaveLength(2);
    expect(await core.diff(rerun.id, rerun.outs, inputs as never)).toMatchObject({
      changes: false,
    });
  });

  it("runs a failed async run again once", async () => {
    emulator.setAgent({ fail: true });
    const inputs = { serverId: "srv_1", prompt: "p", mode: "async", pollIntervalSeconds: 0.05 };
    const err = await createFails(inputs);
    expect(err.properties?.status).toBe("failed");
    emulator.setAgent(undefined);
    const rerun = await core.create(inputs as never, KEY);
    expect(rerun.outs.status).toBe("completed");
    expect(serverRuns()).toBe(2);
  });

  it("runs once when the create's answer is lost and the create is tried again", async () => {
    emulator.setFaults({ dropResponseRate: 1, routes: ["/v1/servers/"] });
    const inputs = { serverId: "srv_1", prompt: "Warm the cache" };
    const err = await createFails(inputs);
    expect(err.id).toBeUndefined();
    expect(emulator.stats().faultsInjected.drop).toBe(1);
    expect(serverRuns()).toBe(1);
    emulator.setFaults(undefined);
    const { id, outs } = await core.create(inputs as never, KEY);
    expect(serverRuns()).toBe(1);
    expect(emulator.snapshot().runs.map((r) => r.id)).toEqual([id]);
    expect(outs.status).toBe("completed");
  });

  it("runs again for other triggers, or another resource", async () => {
    const inputs = { serverId: "srv_1", prompt: "Deploy", triggers: ["v1"] };
    const first = await core.create(inputs as never, KEY);
    const second = await core.create({ ...inputs, triggers: ["v2"] } as never, KEY);
    const third = await core.create(inputs as never, { resourceKey: "proj/stack/other" });
    expect(new Set([first.id, second.id, third.id]).size).toBe(3);
    expect(serverRuns()).toBe(3);
  });

  it("names the server when the API knows no such server, and runs nothing", async () => {
    const err = await createFails({ serverId: "srv_nope", prompt: "go" });
    expect(err.message).toContain('no agent runtime server "srv_nope"');
    expect(err.message).toContain("check serverId");
    expect(err.id).toBeUndefined();
    expect(serverRuns()).toBe(0);
    expect(emulator.snapshot().runs).toHaveLength(0);
  });

  it("reads a run back as created, imports <serverId>/<runId>, and finds a missing run gone", async () => {
    const inputs = { serverId: "srv_2", prompt: "go", triggers: [1] };
    const { id, outs } = await core.create(inputs as never, KEY);
    const read = await core.read(id, outs);
    expect(read).toEqual({ id, props: outs, inputs: expect.objectContaining(inputs) });

    const imported = await core.read(`srv_2/${id}`, {});
    expect(imported.id).toBe(id);
    expect(imported.props).toMatchObject({ serverId: "srv_2", status: "completed", title: "go" });
    expect(imported.props).not.toHaveProperty("mode");
    expect(imported.inputs).toEqual({ serverId: "srv_2" });
    await expect(core.read(id, {})).rejects.toThrow(/not <serverId>\/<runId>/);
    expect(await core.read("run_missing", outs)).toEqual({ id: "" });
    expect(serverRuns()).toBe(1);
  });

  it("records changed provider settings without a request", async () => {
    const inputs = { serverId: "srv_1", prompt: "go" };
    const { id, outs } = await core.create(inputs as never, KEY);
    const before = emulator.stats().totalRequests;
    const next = { ...inputs, waitTimeoutSeconds: 5, pollIntervalSeconds: 0.5 };
    const updated = await core.update(id, outs, next as never);
    expect(updated.outs).toEqual({ ...outs, waitTimeoutSeconds: 5, pollIntervalSeconds: 0.5 });
    expect(emulator.stats().totalRequests).toBe(before);
  });

  it("forgets a run on delete, sending no request", async () => {
    const { id } = await core.create({ serverId: "srv_1", prompt: "go" } as never, KEY);
    const before = emulator.stats().totalRequests;
    await core.delete(id);
    expect(emulator.stats().totalRequests).toBe(before);
    expect(emulator.snapshot().runs.map((r) => r.id)).toEqual([id]);
  });
});
