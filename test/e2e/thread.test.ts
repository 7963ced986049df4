/**
 * Thread, and triggers on a run TaskThread, through the real engine against the emulator: paid
 * work (a thread's first message, a run thread's prompt) runs once per create and again only
 * when the program changes the message or the triggers, counted by the emulator.
 */
import { AcpClient, Task, TaskThread, Thread, type ThreadArgs } from "pulumi-acp";
import { changesOf, E2E_TOKEN, Harness } from "./harness";

jest.setTimeout(600_000);

interface Scenario {
  thread: ThreadArgs;
  /** Triggers of the run TaskThread on the task "design". */
  runTriggers?: unknown[];
}

/** One Thread ("kickoff"), and a task with a run thread ("design-run"). */
function program(s: Scenario) {
  return async () => {
    const kickoff = new Thread("kickoff", s.thread);
    const design = new Task("design", { title: "Design", description: "Draft the API design" });
    const run = new TaskThread("design-run", {
      taskId: design.id,
      mode: "run",
      message: "Draft it",
      triggers: s.runTriggers,
    });
    return {
      threadId: kickoff.id,
      status: kickoff.status,
      prompt: kickoff.prompt,
      title: kickoff.title,
      runId: run.id,
    };
  };
}

describe("Thread through the engine", () => {
  let h: Harness;
  let api: AcpClient;
  let scenario: Scenario;
  let threadId: string;
  let runId: string;
  const snapshot = () => h.emulator.snapshot();
  const executions = () => h.emulator.stats().agentExecutions;
  const stored = (id: string) => snapshot().threads.find((t) => t.id === id);
  const up = async (next: Scenario) => {
    scenario = next;
    h.setProgram(program(next));
    const res = await h.up();
    threadId = res.outputs.threadId as string;
    runId = res.outputs.runId as string;
    return res;
  };
  const expectNoChanges = async () => {
    const before = executions();
    expect(changesOf((await h.up()).summary)).toEqual({});
    expect(executions()).toEqual(before);
  };

  beforeAll(async () => {
    h = await Harness.create({
      program: program({ thread: {} }),
      emulator: { budget: 100, agent: { costPerRun: 1, durationMs: 20 } },
    });
    api = new AcpClient({ baseUrl: h.baseUrl, token: E2E_TOKEN });
  });
  afterAll(async () => {
    await api?.close();
    await h?.cleanup();
  });

  it("creates the thread and runs its first message once; previews no change without an API call", async () => {
    const res = await up({
      thread: {
        title: "Kickoff",
        content: "Plan the sprint",
        triggers: ["r1"],
        metadata: { a: 1 },
      },
      runTriggers: ["r1"],
    });
    expect(stored(threadId)).toMatchObject({
      title: "Kickoff",
      task: "Plan the sprint",
      status: "completed",
      metadata: { a: 1 },
    });
    expect(res.outputs).toMatchObject({ status: "completed", prompt: "Plan the sprint" });
    expect(executions()).toMatchObject({ threadContent: 1, runThread: 1 });
    expect(await h.stateResources("acp:Thread")).toEqual([
      expect.objectContaining({
        id: threadId,
        outputs: expect.objectContaining({ content: "Plan the sprint", triggers: ["r1"] }),
      }),
    ]);
    h.emulator.resetStats();
    expect(changesOf((await h.preview()).summary)).toEqual({});
    expect(h.emulator.stats().totalRequests).toBe(0);
    await expectNoChanges();
    expect(changesOf((await h.refresh()).summary)).toEqual({});
    await expectNoChanges();
  });

  it("updates the title in place, running nothing", async () => {
    const before = threadId;
    const res = await up({ ...scenario, thread: { ...scenario.thread, title: "Kickoff, v2" } });
    expect(changesOf(res.summary)).toEqual({ update: 1 });
    expect(threadId).toBe(before);
    expect(stored(threadId)?.title).toBe("Kickoff, v2");
    expect(executions()).toMatchObject({ threadContent: 0, runThread: 0 });
    await expectNoChanges();
  });

  it("replaces the thread when its first message changes, running the new one once", async () => {
    const before = threadId;
    h.emulator.resetStats();
    const res = await up({
      ...scenario,
      thread: { ...scenario.thread, content: "Plan the sprint, with risks" },
    });
    expect(changesOf(res.summary)).toEqual({ replace: 1 });
    expect(threadId).not.toBe(before);
    expect(stored(before)).toBeUndefined();
    expect(stored(threadId)?.task).toBe("Plan the sprint, with risks");
    expect(executions()).toMatchObject({ threadContent: 1, runThread: 0 });
    await expectNoChanges();
  });

  it("runs the thread and the run TaskThread again exactly once when their triggers change", async () => {
    const [thread, run] = [threadId, runId];
    h.emulator.resetStats();
    const res = await up({ thread: { ...scenario.thread, triggers: ["r2"] }, runTriggers: ["r2"] });
    expect(changesOf(res.summary)).toEqual({ replace: 2 });
    expect(executions()).toMatchObject({ threadContent: 1, runThread: 1 });
    expect(threadId).not.toBe(thread);
    expect(runId).not.toBe(run);
    expect(stored(thread)).toBeUndefined();
    expect(stored(threadId)?.task).toBe("Plan the sprint, with risks");
    // The same triggers again: nothing runs.
    await expectNoChanges();
    expect(executions()).toMatchObject({ threadContent: 1, runThread: 1 });
  });

  it("drops a thread deleted out of band on refresh, and the next up makes a new one", async () => {
    const before = threadId;
    await api.threads.delete(before);
    expect(changesOf((await h.refresh()).summary)).toMatchObject({ delete: 1 });
    h.emulator.resetStats();
    const res = await up(scenario);
    expect(changesOf(res.summary)).toEqual({ create: 1 });
    expect(threadId).not.toBe(before);
    expect(stored(threadId)).toMatchObject({ title: "Kickoff, v2", status: "completed" });
    expect(executions()).toMatchObject({ threadContent: 1, runThread: 0 });
    await expectNoChanges();
  });

  it("fails clearly on 402, naming the budget, and makes no thread", async () => {
    h.emulator.setBudget(0.5);
    const threadsBefore = snapshot().threads.map((t) => t.id);
    h.setProgram(program({ ...scenario, thread: { ...scenario.thread, content: "Go further" } }));
    const err = await h.up().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    const message = String(err?.message);
    expect(message).toMatch(/creating a thread and running its first message/);
    expect(message).toMatch(/current budget 0\.5/);
    expect(message).not.toContain(E2E_TOKEN);
    expect(snapshot().threads.map((t) => t.id)).toEqual(threadsBefore);
    h.emulator.setBudget(100);
  });

  it("refuses stream: true at preview, naming the resource and the field, sending nothing", async () => {
    h.emulator.resetStats();
    h.setProgram(
      program({ ...scenario, thread: { ...scenario.thread, stream: true as unknown as false } }),
    );
    await expect(h.preview()).rejects.toThrow(/kickoff[\s\S]*stream[\s\S]*cannot stream/);
    expect(h.emulator.stats().totalRequests).toBe(0);
  });

  it("destroy removes the thread from the store", async () => {
    h.setProgram(program(scenario));
    await h.destroy();
    expect(snapshot().threads).toEqual([]);
    expect(snapshot().tasks).toEqual([]);
  });
});
