/**
 * Paid work is recorded as soon as the API has accepted it: a run thread whose follow-up
 * (setting its title) fails is raised as a partial create carrying the thread's id and outputs,
 * so the engine records it and the next up only sets the title — the agent ran once.
 */
import type { Emulator } from "../../emulator";
import type { AcpClient } from "../../provider/client";
import { providerCore } from "../../provider/core";
import { emulatorForCore } from "./helpers";

const TOKEN = "paid-work-token";
let emulator: Emulator;
let client: AcpClient;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ emulator, api: client, close } = await emulatorForCore({ token: TOKEN }));
});
afterAll(() => close());

describe("a run thread whose title cannot be set", () => {
  it("is recorded with its id and execution, and the next up sets the title without running again", async () => {
    const task = await client.tasks.create({ title: "work" });
    const inputs = { taskId: task.id, mode: "run", message: "do it", title: "Named run" };
    emulator.setFaults({ errorRate: 1, errorStatus: 500, routes: ["/v1/threads/"] });
    let caught: { id?: string; properties?: Record<string, unknown>; message?: string } = {};
    try {
      await providerCore("taskThread").create(inputs as never, { resourceKey: "p/s/run" });
    } catch (err) {
      caught = err as typeof caught;
    }
    expect(caught.message).toMatch(
      /the agent ran in thread thr_\w+ but its title could not be set/,
    );
    expect(caught.id).toMatch(/^thr_/);
    expect(caught.properties?.execution).toMatchObject({ success: true });
    expect(emulator.stats().agentExecutions.runThread).toBe(1);

    // The next up: the engine updates the partially created thread.
    emulator.setFaults(undefined);
    const core = providerCore("taskThread");
    const olds = { ...caught.properties } as never;
    const diff = await core.diff(caught.id as string, olds, inputs as never);
    expect(diff.replaces).toEqual([]);
    await core.update(caught.id as string, olds, inputs as never);
    expect(emulator.snapshot().threads.find((t) => t.id === caught.id)?.title).toBe("Named run");
    expect(emulator.stats().agentExecutions.runThread).toBe(1);
  });
});

describe.each([
  ["replays Idempotency-Keys", true],
  ["does not replay Idempotency-Keys", false],
])("a run thread on a server that %s", (_name, idempotencyReplay) => {
  let server: Emulator;
  let api: AcpClient;
  const core = () => providerCore("taskThread");
  const executions = () => server.stats().agentExecutions.runThread;
  const threadsOf = (taskId: string | null | undefined) =>
    server.snapshot().threads.filter((t) =>
      server
        .snapshot()
        .tasks.find((k) => k.id === taskId)
        ?.linkedThreadIds?.includes(t.id as string),
    );

  let close: () => Promise<void>;
  beforeAll(async () => {
    ({
      emulator: server,
      api,
      close,
    } = await emulatorForCore({ token: TOKEN, idempotencyReplay }, 3));
  });
  afterAll(() => close());
  beforeEach(() => {
    server.setFaults(undefined);
    server.resetStats();
  });

  it("whose answer is lost after the run is found on the server and adopted: the agent runs once", async () => {
    const task = await api.tasks.create({ title: "lost answer" });
    const inputs = {
      taskId: task.id,
      mode: "run",
      message: "do it",
      title: "Run",
      metadata: { team: "a" },
    };
    // Every run-thread is carried out, and its answer lost.
    server.setFaults({ dropResponseRate: 1, routes: ["/v1/tasks/*/run-thread"] });
    const created = await core().create(inputs as never, { resourceKey: "p/s/lost" });
    server.setFaults(undefined);
    expect(executions()).toBe(1);
    expect(server.stats().faultsInjected.drop).toBe(1);
    expect(threadsOf(task.id).map((t) => t.id)).toEqual([created.id]);
    // Finished: titled, and the marker is off again; the outputs show the user's metadata only.
    const stored = server.snapshot().threads.find((t) => t.id === created.id);
    expect(stored?.title).toBe("Run");
    expect(stored?.metadata).toEqual({ team: "a" });
    expect(created.outs.metadata).toEqual({ team: "a" });
    expect(created.outs.status).toBe("completed");
  });

  it("found by the next create after an engine was killed between the run and its follow-up, adopts it", async () => {
    const task = await api.tasks.create({ title: "killed" });
    const inputs = { taskId: task.id, mode: "run", message: "once", title: "Once" };
    // The follow-up request never comes: the create is stopped after the run.
    server.setFaults({
      errorRate: 1,
      errorStatus: 503,
      routes: ["/v1/threads/"],
      methods: ["PATCH"],
    });
    await expect(
      core().create(inputs as never, { resourceKey: "p/s/killed" }),
    ).rejects.toMatchObject({
      id: expect.stringMatching(/^thr_/),
    });
    server.setFaults(undefined);
    expect(executions()).toBe(1);
    // The engine recorded nothing (killed): the next up creates again and finds the run.
    const again = await core().create(inputs as never, { resourceKey: "p/s/killed" });
    expect(executions()).toBe(1);
    expect(threadsOf(task.id).map((t) => t.id)).toEqual([again.id]);
    expect(server.snapshot().threads.find((t) => t.id === again.id)?.metadata).toEqual({});
    expect(again.outs.title).toBe("Once");
    // Once finished, it is never adopted again: a replacement with the same inputs runs anew.
    const replaced = await core().create(inputs as never, { resourceKey: "p/s/killed" });
    expect(replaced.id).not.toBe(again.id);
    expect(executions()).toBe(2);
  });

  it("never adopts a failed run, another resource's run, or one asked with other inputs", async () => {
    const task = await api.tasks.create({ title: "others" });
    const inputs = { taskId: task.id, mode: "run", message: "try" };
    server.setFaults({
      errorRate: 1,
      errorStatus: 503,
      routes: ["/v1/threads/"],
      methods: ["PATCH"],
    });
    // Left pending: a run of another resource, and one of this resource with another message.
    await expect(
      core().create({ ...inputs, title: "x" } as never, { resourceKey: "p/s/other" }),
    ).rejects.toMatchObject({ id: expect.any(String) });
    await expect(
      core().create({ ...inputs, message: "else", title: "x" } as never, {
        resourceKey: "p/s/mine",
      }),
    ).rejects.toMatchObject({ id: expect.any(String) });
    server.setFaults(undefined);
    // A failed run of this resource with these inputs, also left pending.
    server.setAgent({ fail: true });
    await expect(core().create(inputs as never, { resourceKey: "p/s/mine" })).rejects.toThrow(
      /failed in thread/,
    );
    server.setAgent(undefined);
    expect(executions()).toBe(3);
    const made = await core().create(inputs as never, { resourceKey: "p/s/mine" });
    expect(executions()).toBe(4);
    expect(threadsOf(task.id)).toHaveLength(4);
    expect(made.outs.execution).toMatchObject({ success: true });
  });

  it("refuses the reserved metadata keys in a program", async () => {
    const result = await core().check(
      {},
      {
        taskId: "task_1",
        mode: "run",
        metadata: { pulumiAcpPending: "x" },
      },
    );
    expect(result.failures).toEqual([
      { property: "metadata", reason: expect.stringMatching(/pulumiAcpPending is reserved/) },
    ]);
  });
});

describe.each([
  ["replays Idempotency-Keys", true],
  ["does not replay Idempotency-Keys", false],
])("paid work that cannot be looked up, on a server that %s", (_name, idempotencyReplay) => {
  let server: Emulator;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ emulator: server, close } = await emulatorForCore(
      { token: TOKEN, idempotencyReplay, servers: ["srv_1"] },
      3,
    ));
  });
  afterAll(() => close());
  beforeEach(() => {
    server.setFaults(undefined);
    server.resetStats();
  });

  const CASES = [
    {
      kind: "thread" as const,
      route: "/v1/threads",
      inputs: { title: "Kickoff", content: "Plan the sprint" },
      count: "threadContent" as const,
    },
    {
      kind: "agentRun" as const,
      route: "/v1/servers/",
      inputs: { serverId: "srv_1", prompt: "Prepare the sandbox" },
      count: "serverRun" as const,
    },
  ];

  it.each(CASES)(
    "$kind: a lost answer is not sent again blindly; the next up sends the same key",
    async ({ kind, route, inputs, count }) => {
      server.setFaults({ dropResponseRate: 1, routes: [route], methods: ["POST"] });
      const core = providerCore(kind);
      await expect(core.create(inputs as never, { resourceKey: `p/s/${kind}` })).rejects.toThrow(
        /may have started it before its answer was lost .*cannot be looked up/,
      );
      expect(server.stats().agentExecutions[count]).toBe(1);
      expect(server.stats().faultsInjected.drop).toBe(1);
      // The next up: the same request, the same key.
      server.setFaults(undefined);
      await core.create(inputs as never, { resourceKey: `p/s/${kind}` });
      expect(server.stats().agentExecutions[count]).toBe(idempotencyReplay ? 1 : 2);
    },
  );

  it("a thread without a first message (free) is retried as usual", async () => {
    server.setFaults({
      errorRate: 1,
      errorStatus: 503,
      routes: ["/v1/threads"],
      methods: ["POST"],
    });
    await expect(
      providerCore("thread").create({ title: "Free" } as never, { resourceKey: "p/s/free" }),
    ).rejects.toThrow(/503/);
    // The first attempt and the 3 retries of acp:maxRetries.
    expect(server.stats().requests["POST /v1/threads"]).toEqual({ "503": 4 });
  });
});
