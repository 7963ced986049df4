import { RunEnvelope } from "../../provider/client/schemas";
import { start, useEmulator } from "./helpers";

const h = useEmulator({ budget: 1, asyncRun: { queuedMs: 100, runningMs: 150 } });

describe("/v1/servers/:serverId/runs", () => {
  it("runs synchronously by default: 201 with a completed run and its backing thread", async () => {
    const answer = await h.call("POST", "/v1/servers/srv_1/runs", {
      content: "Say hi",
      title: "Greeting",
    });
    expect(answer.status).toBe(201);
    const body = RunEnvelope.parse(answer.body);
    expect(body.serverId).toBe("srv_1");
    expect(body.run.id).toMatch(/^run_/);
    expect(body.run).toMatchObject({
      serverId: "srv_1",
      mode: "sync",
      status: "completed",
      input: "Say hi",
      title: "Greeting",
      threadBacked: true,
      threadId: body.thread?.id,
      threadStatus: "completed",
      threadTitle: "Greeting",
    });
    expect(body.run.output).toContain("Say hi");
    expect(body.thread?.status).toBe("completed");
    expect(body.events?.map((e) => e.role)).toEqual(["user", "assistant"]);
    expect(h.emulator.snapshot().budget).toBeCloseTo(0.95, 10);
    const read = await h.call("GET", `/v1/servers/srv_1/runs/${body.run.id}`);
    expect(read.status).toBe(200);
    expect(read.body.run).toEqual(body.run);
  });

  it("runs asynchronously: 202 queued, then running, then completed", async () => {
    const answer = await h.call("POST", "/v1/servers/srv_1/runs", {
      prompt: "Long job",
      mode: "async",
    });
    expect(answer.status).toBe(202);
    expect(answer.body.run.status).toBe("queued");
    const path = `/v1/servers/srv_1/runs/${answer.body.run.id}`;
    const seen = new Set<string>();
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) {
      const status = (await h.call("GET", path)).body.run.status as string;
      seen.add(status);
      if (status === "completed") break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect([...seen]).toEqual(["queued", "running", "completed"]);
    const done = await h.call("GET", path);
    expect(done.body.run.output).toContain("Long job");
    expect(done.body.thread.status).toBe("completed");
  });

  it("answers 404 for an unknown run or another server's run", async () => {
    const { run } = (await h.call("POST", "/v1/servers/srv_1/runs", { content: "x" })).body;
    expect((await h.call("GET", "/v1/servers/srv_1/runs/run_nope")).status).toBe(404);
    expect((await h.call("GET", `/v1/servers/srv_2/runs/${run.id}`)).status).toBe(404);
  });

  it("answers 402 with currentBudget and 422 without content, changing nothing", async () => {
    h.emulator.setBudget(0.01);
    const poor = await h.call("POST", "/v1/servers/srv_1/runs", { content: "x", mode: "async" });
    expect(poor.status).toBe(402);
    expect(poor.body.currentBudget).toBe(0.01);
    const empty = await h.call("POST", "/v1/servers/srv_1/runs", { mode: "sync" });
    expect(empty.status).toBe(422);
    expect(empty.body.field).toBe("content");
    const badMode = await h.call("POST", "/v1/servers/srv_1/runs", { content: "x", mode: "later" });
    expect(badMode.body.field).toBe("mode");
    const snapshot = h.emulator.snapshot();
    expect([snapshot.runs.length, snapshot.threads.length]).toEqual([0, 0]);
  });

  it("marks a run failed when the agent fails", async () => {
    h.emulator.setAgent({ fail: true });
    const answer = await h.call("POST", "/v1/servers/srv_1/runs", { content: "x" });
    h.emulator.setAgent(undefined);
    expect(answer.status).toBe(201);
    expect(answer.body.run).toMatchObject({ status: "failed", threadStatus: "failed" });
    expect(answer.body.run.error).toEqual(expect.any(String));
  });
});

describe("agent runtime servers and held async runs", () => {
  it("answers 404 naming the server when `servers` does not list it, running nothing", async () => {
    const s = await start({ servers: ["srv_known"] });
    try {
      const unknown = await s.call("POST", "/v1/servers/srv_other/runs", { content: "x" });
      expect(unknown.status).toBe(404);
      expect(unknown.body.message).toContain("srv_other");
      const known = await s.call("POST", "/v1/servers/srv_known/runs", { content: "x" });
      expect(known.status).toBe(201);
      expect(s.emulator.stats().agentExecutions.serverRun).toBe(1);
      expect(s.emulator.snapshot().runs).toHaveLength(1);
    } finally {
      await s.emulator.close();
    }
  });

  it("keeps held async runs running until released, then runs the agent once", async () => {
    const s = await start({ asyncRun: { queuedMs: 1, runningMs: 1, hold: true } });
    try {
      const { run } = (
        await s.call("POST", "/v1/servers/srv_1/runs", { content: "x", mode: "async" })
      ).body;
      const path = `/v1/servers/srv_1/runs/${run.id}`;
      let status = "queued";
      while (status === "queued") {
        await new Promise((r) => setTimeout(r, 10));
        status = (await s.call("GET", path)).body.run.status;
      }
      // Unheld, a 1 ms run would have ended long before this second look.
      await new Promise((r) => setTimeout(r, 50));
      expect((await s.call("GET", path)).body.run.status).toBe("running");
      expect(s.emulator.stats().agentExecutions.serverRun).toBe(0);
      s.emulator.holdAsyncRuns(false);
      expect((await s.call("GET", path)).body.run.status).toBe("completed");
      expect(s.emulator.stats().agentExecutions.serverRun).toBe(1);
    } finally {
      await s.emulator.close();
    }
  });
});
