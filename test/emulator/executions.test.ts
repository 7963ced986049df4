/**
 * The emulator counts every execution of its stand-in agent — the paid work — by kind, so that
 * suites can assert that a run happened exactly once. Free calls and refused ones count nothing;
 * a replayed request (same Idempotency-Key) does not run the agent again.
 */
import { createTask, useEmulator } from "./helpers";

const h = useEmulator({ budget: 1, asyncRun: { queuedMs: 5, runningMs: 5 } });
const executions = () => h.emulator.stats().agentExecutions;

describe("agent executions", () => {
  it("counts run-thread, a thread with content and a server run; not start-thread or a bare thread", async () => {
    const task = await createTask(h);
    expect((await h.call("POST", `/v1/tasks/${task.id}/start-thread`, {})).status).toBe(201);
    expect((await h.call("POST", "/v1/threads", { title: "no content" })).status).toBe(201);
    expect(executions()).toEqual({ runThread: 0, threadContent: 0, serverRun: 0 });

    expect(
      (await h.call("POST", `/v1/tasks/${task.id}/run-thread`, { message: "go" })).status,
    ).toBe(201);
    expect((await h.call("POST", "/v1/threads", { content: "hello" })).status).toBe(201);
    expect((await h.call("POST", "/v1/servers/srv_1/runs", { prompt: "sync" })).status).toBe(201);
    expect(executions()).toEqual({ runThread: 1, threadContent: 1, serverRun: 1 });
  });

  it("counts a replayed request once, and a 402 not at all", async () => {
    const task = await createTask(h);
    const key = { "idempotency-key": "run-once" };
    for (let i = 0; i < 3; i++) {
      expect((await h.call("POST", `/v1/tasks/${task.id}/run-thread`, {}, key)).status).toBe(201);
    }
    expect(executions().runThread).toBe(1);
    h.emulator.setBudget(0);
    expect((await h.call("POST", "/v1/threads", { content: "costly" })).status).toBe(402);
    expect(executions().threadContent).toBe(0);
  });

  it("counts an async server run when it runs, and zeroes with the stats", async () => {
    const answer = await h.call("POST", "/v1/servers/srv_1/runs", {
      prompt: "later",
      mode: "async",
    });
    expect(answer.status).toBe(202);
    const path = `/v1/servers/srv_1/runs/${answer.body.run.id}`;
    for (let i = 0; i < 200 && (await h.call("GET", path)).body.run.status !== "completed"; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(executions().serverRun).toBe(1);
    h.emulator.resetStats();
    expect(executions()).toEqual({ runThread: 0, threadContent: 0, serverRun: 0 });
  });
});
