/**
 * The Thread provider core: check and diff called directly, and create / read / update /
 * delete against the in-process emulator, counting the agent's executions (paid work).
 */
import type { Emulator } from "../../emulator";
import { emulatorForCore } from "./helpers";
import type { AcpClient } from "../../provider/client";
import { UNKNOWN } from "../../provider/core/compare";
import { ThreadProviderImpl, threadCreateKey } from "../../provider/core/thread/provider";

const TOKEN = "thread-core-token";
const impl = new ThreadProviderImpl();
const failuresOf = async (news: Record<string, unknown>) => (await impl.check({}, news)).failures;
const diff = (olds: Record<string, unknown>, news: Record<string, unknown>) =>
  impl.diff("thr_1", olds, news as never);

describe("Thread check", () => {
  it("accepts an empty thread, a full one, and stream: false", async () => {
    expect(await failuresOf({})).toEqual([]);
    expect(
      await failuresOf({
        projectId: "proj_1",
        environmentId: "env_1",
        agentId: "agent_1",
        appId: "app_1",
        title: "Kickoff",
        content: "Plan the sprint",
        metadata: { a: { b: [1] } },
        triggers: ["release-2", { nightly: "2026-12-01" }],
        stream: false,
      }),
    ).toEqual([]);
    expect(await failuresOf({ task: "Plan the sprint" })).toEqual([]);
  });

  it.each([
    [{ stream: true }, "stream", /Thread resource cannot stream.*remove stream or set it to false/],
    [
      { content: "a", task: "b" },
      "task",
      /Thread takes its first message as content or as task.*not both/,
    ],
    [{ title: 12 }, "title", /string/],
    [{ content: ["a"] }, "content", /string/],
    [{ triggers: "release-2" }, "triggers", /list of JSON values/],
    [{ metadata: "x" }, "metadata", /object|record/],
    [{ agentId: " " }, "agentId", /non-empty/],
    [{ stream: "no" }, "stream", /boolean/],
    [{ contnet: "a" }, "contnet", /not a property.*did you mean content\?/],
  ])("reports %j on %s", async (news, property, reason) => {
    expect(await failuresOf(news)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ property, reason: expect.stringMatching(reason) }),
      ]),
    );
  });

  it("tolerates values not known until apply", async () => {
    expect(await failuresOf({ projectId: UNKNOWN, content: UNKNOWN, triggers: [UNKNOWN] })).toEqual(
      [],
    );
  });
});

describe("Thread diff", () => {
  const olds = {
    projectId: "proj_1",
    agentId: "agent_server_chose",
    title: "Kickoff",
    content: "Plan the sprint",
    prompt: "Plan the sprint",
    metadata: { a: 1 },
    triggers: [{ release: 2, day: "mon" }],
    status: "completed",
  };
  const same = {
    projectId: "proj_1",
    title: "Kickoff",
    content: "Plan the sprint",
    metadata: { a: 1 },
    triggers: [{ day: "mon", release: 2 }],
  };

  it("shows no change for the same inputs (triggers' object keys in another order, an agent the API chose)", async () => {
    expect(await diff(olds, same)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it.each([
    ["projectId", { ...same, projectId: "proj_2" }],
    ["environmentId", { ...same, environmentId: "env_2" }],
    ["agentId", { ...same, agentId: "agent_2" }],
    ["appId", { ...same, appId: "app_2" }],
    ["content", { ...same, content: "Plan the next sprint" }],
    ["content", { ...same, content: UNKNOWN }],
    ["task", { ...same, content: undefined, task: "Plan the next sprint" }],
    ["content", { ...same, content: undefined }],
    ["triggers", { ...same, triggers: [{ day: "tue", release: 2 }] }],
    ["triggers", { ...same, triggers: [{ release: 2, day: "mon" }, "again"] }],
    ["triggers", { ...same, triggers: undefined }],
  ])("replaces on %s (%j)", async (field, news) => {
    const res = await diff(olds, news);
    expect(res).toEqual({ changes: true, replaces: [field], deleteBeforeReplace: false });
  });

  it("updates title and metadata in place", async () => {
    expect(await diff(olds, { ...same, title: "Kickoff, round two", metadata: { a: 2 } })).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it("records the same message moved from content to task without running it again", async () => {
    const moved = { ...same, content: undefined, task: "Plan the sprint" };
    expect(await diff(olds, moved)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it("takes an imported thread whose prompt is the program's message as it is", async () => {
    const imported = { title: "Kickoff", prompt: "Plan the sprint", status: "completed" };
    expect(await diff(imported, { title: "Kickoff", content: "Plan the sprint" })).toMatchObject({
      changes: false,
    });
    expect(await diff(imported, { title: "Kickoff", content: "Other" })).toMatchObject({
      replaces: ["content"],
    });
  });

  it("replaces a thread made before triggers were set when the program adds them", async () => {
    const { triggers: _none, ...without } = olds;
    expect((await diff(without, same)).replaces).toEqual(["triggers"]);
    const { triggers: _t, ...sameWithout } = same;
    expect((await diff(without, sameWithout)).changes).toBe(false);
  });
});

describe("Thread idempotency key", () => {
  it("is stable for one resource, body and triggers, and changes with any of them", () => {
    const key = threadCreateKey("p/s/kickoff", { content: "a", title: "t" }, ["r1"]);
    expect(key).toMatch(/^pulumi-acp-thread-[0-9a-f]{40}$/);
    expect(threadCreateKey("p/s/kickoff", { title: "t", content: "a" }, ["r1"])).toBe(key);
    expect(threadCreateKey("p/s/kickoff", { content: "b", title: "t" }, ["r1"])).not.toBe(key);
    expect(threadCreateKey("p/s/kickoff", { content: "a", title: "t" }, ["r2"])).not.toBe(key);
    expect(threadCreateKey("p/s/other", { content: "a", title: "t" }, ["r1"])).not.toBe(key);
    expect(threadCreateKey(undefined, { content: "a" }, undefined)).toBeUndefined();
  });
});

describe("Thread against the emulator", () => {
  let emulator: Emulator;
  let client: AcpClient;
  const executions = () => emulator.stats().agentExecutions.threadContent;
  const stored = (id: string) => emulator.snapshot().threads.find((t) => t.id === id);
  const failure = async (p: Promise<unknown>) => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e as Error & { id?: string; properties?: Record<string, unknown> },
    );
    expect(err).toBeInstanceOf(Error);
    return err as Error & { id?: string; properties?: Record<string, unknown> };
  };

  let close: () => Promise<void>;
  beforeAll(async () => {
    ({
      emulator,
      api: client,
      close,
    } = await emulatorForCore({
      token: TOKEN,
      budget: 10,
      agent: { costPerRun: 1 },
    }));
  });
  /** The requests of the running test. */
  let logStart = 0;
  const requests = () => emulator.log.slice(logStart);
  beforeEach(() => {
    logStart = emulator.log.length;
    emulator.reset();
    emulator.setFaults(undefined);
    emulator.resetStats();
  });
  afterAll(async () => {
    await close();
  });

  it("creates an empty thread without running anything, and never sends stream", async () => {
    const res = await impl.create(
      { title: "Standing thread", projectId: "proj_1", metadata: { team: "core" }, stream: false },
      { resourceKey: "p/s/standing" },
    );
    expect(stored(res.id)).toMatchObject({
      title: "Standing thread",
      projectId: "proj_1",
      metadata: { team: "core" },
      status: "active",
    });
    expect(res.outs).toMatchObject({ title: "Standing thread", status: "active", stream: false });
    expect(res.outs).not.toHaveProperty("prompt");
    expect(executions()).toBe(0);
    const post = requests().find((e) => e.method === "POST" && e.path === "/v1/threads");
    expect(post?.body).toEqual({
      title: "Standing thread",
      projectId: "proj_1",
      metadata: { team: "core" },
    });
  });

  it("runs the first message once and records the thread, its prompt and its usage", async () => {
    const res = await impl.create(
      { content: "Plan the sprint", triggers: ["r1"] },
      { resourceKey: "p/s/kickoff" },
    );
    expect(executions()).toBe(1);
    const thread = stored(res.id);
    expect(thread?.status).toBe("completed");
    expect(res.outs).toMatchObject({
      content: "Plan the sprint",
      prompt: "Plan the sprint",
      triggers: ["r1"],
      status: "completed",
      messageCount: 2,
      inputTokens: thread?.inputTokens,
      totalCost: 1,
    });
    expect(res.outs).not.toHaveProperty("task");
  });

  it("sends the legacy task as task, and records it under task", async () => {
    const res = await impl.create({ task: "Plan the sprint" }, { resourceKey: "p/s/legacy" });
    expect(executions()).toBe(1);
    expect(res.outs).toMatchObject({ task: "Plan the sprint", prompt: "Plan the sprint" });
    expect(requests().find((e) => e.method === "POST")?.body).toEqual({
      task: "Plan the sprint",
    });
  });

  it("fails on 402 naming the current budget, creating nothing", async () => {
    emulator.setBudget(0.5);
    const err = await failure(
      impl.create({ content: "Plan the sprint" }, { resourceKey: "p/s/poor" }),
    );
    expect(err.message).toMatch(/creating a thread and running its first message/);
    expect(err.message).toMatch(/current budget 0\.5/);
    expect(err.id).toBeUndefined();
    expect(emulator.snapshot().threads).toHaveLength(0);
    expect(executions()).toBe(0);
  });

  it("runs the message once when the create's answer is lost and the create is run again", async () => {
    emulator.setFaults({ dropResponseRate: 1, routes: ["/v1/threads"] });
    const inputs = { content: "Plan the sprint", triggers: ["r1"] };
    await failure(impl.create(inputs, { resourceKey: "p/s/lost" }));
    expect(executions()).toBe(1);
    emulator.setFaults(undefined);
    const res = await impl.create(inputs, { resourceKey: "p/s/lost" });
    expect(emulator.snapshot().threads.map((t) => t.id)).toEqual([res.id]);
    expect(executions()).toBe(1);
    expect(res.outs.prompt).toBe("Plan the sprint");
  });

  it("makes a new thread when the one a replayed create names was deleted since", async () => {
    const inputs = { content: "Plan the sprint" };
    const first = await impl.create(inputs, { resourceKey: "p/s/again" });
    await client.threads.delete(first.id);
    const second = await impl.create(inputs, { resourceKey: "p/s/again" });
    expect(second.id).not.toBe(first.id);
    expect(stored(second.id)?.task).toBe("Plan the sprint");
    expect(executions()).toBe(2);
  });

  it("records a replayed thread it cannot read back (partial create), never running it again", async () => {
    const inputs = { content: "Plan the sprint", title: "Kickoff" };
    const first = await impl.create(inputs, { resourceKey: "p/s/unreadable" });
    emulator.setFaults({ errorRate: 1, errorStatus: 500, routes: ["/v1/threads/"] });
    const err = await failure(impl.create(inputs, { resourceKey: "p/s/unreadable" }));
    expect(err.message).toContain(`thread ${first.id} was created but could not be read back`);
    expect(err.id).toBe(first.id);
    expect(err.properties).toMatchObject({ content: "Plan the sprint", title: "Kickoff" });
    expect(executions()).toBe(1);
  });

  it("reads live title and metadata back on refresh, and imports a thread by its id", async () => {
    const inputs = { content: "Plan the sprint", title: "Kickoff", metadata: { a: 1 } };
    const { id, outs } = await impl.create(inputs, { resourceKey: "p/s/read" });
    await client.threads.update(id, { title: "Renamed by hand", metadata: { a: 2 } });
    const refreshed = await impl.read(id, { ...outs });
    expect(refreshed.inputs).toEqual({ ...inputs, title: "Renamed by hand", metadata: { a: 2 } });
    expect(refreshed.props).toMatchObject({ title: "Renamed by hand", content: "Plan the sprint" });
    const imported = await impl.read(id);
    expect(imported).toMatchObject({ id, inputs: {} });
    expect(imported.props).toMatchObject({ prompt: "Plan the sprint", status: "completed" });
    expect(imported.props).not.toHaveProperty("content");
    // The imported thread, declared with its message: nothing to run.
    expect(
      (await impl.diff(id, imported.props ?? {}, { ...inputs, title: "Renamed by hand" } as never))
        .replaces,
    ).toEqual([]);
    expect(executions()).toBe(1);
  });

  it("answers an empty id for a thread deleted out of band", async () => {
    const { id, outs } = await impl.create({ title: "Gone" }, { resourceKey: "p/s/gone" });
    await client.threads.delete(id);
    expect(await impl.read(id, outs)).toEqual({ id: "" });
  });

  it("updates title and metadata in place with one PATCH, running nothing", async () => {
    const olds = { content: "Plan the sprint", title: "Kickoff", metadata: { a: 1 } };
    const { id, outs } = await impl.create(olds, { resourceKey: "p/s/update" });
    const news = { ...olds, title: "Kickoff, round two", metadata: { a: 2 } };
    const res = await impl.update(id, outs, news as never);
    expect(stored(id)).toMatchObject({ title: "Kickoff, round two", metadata: { a: 2 } });
    expect(res.outs).toMatchObject({ title: "Kickoff, round two", content: "Plan the sprint" });
    const patches = requests().filter((e) => e.method === "PATCH");
    expect(patches.map((e) => e.body)).toEqual([
      { title: "Kickoff, round two", metadata: { a: 2 } },
    ]);
    expect(executions()).toBe(1);
  });

  it("deletes the thread, and counts one already gone as deleted", async () => {
    const { id } = await impl.create({ title: "Short-lived" }, { resourceKey: "p/s/delete" });
    await impl.delete(id);
    expect(stored(id)).toBeUndefined();
    await expect(impl.delete(id)).resolves.toBeUndefined();
  });
});
