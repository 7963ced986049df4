import { createServer, type AddressInfo } from "node:net";
import { inspect } from "node:util";
import { createEmulator } from "../../emulator";
import {
  AcpClient,
  AcpConnectionError,
  AcpTimeoutError,
  AuthenticationError,
  ConflictError,
  InsufficientBudgetError,
  NotFoundError,
  RateLimitError,
  ServerError,
  ValidationError,
} from "../../provider/client";
import { countRequests, faultingDispatcher, makeClient, SECRET_TOKEN } from "./helpers";

type Emu = ReturnType<typeof createEmulator>;

let emulator: Emu;
let baseUrl: string;
let client: AcpClient;
let faults: ReturnType<typeof faultingDispatcher>;
let logLines: string[];

beforeAll(async () => {
  emulator = createEmulator({ token: SECRET_TOKEN, asyncRun: { queuedMs: 20, runningMs: 30 } });
  baseUrl = await emulator.listen(0);
});

afterAll(async () => {
  await emulator.close();
});

beforeEach(() => {
  emulator.reset();
  emulator.resetStats();
  emulator.setFaults(undefined);
  faults = faultingDispatcher();
  logLines = [];
  client = makeClient(baseUrl, { dispatcher: faults.dispatcher, logger: (l) => logLines.push(l) });
});

afterEach(async () => {
  await client.close();
  await faults.close();
});

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));
const requests = (key: string) => countRequests(emulator.stats(), key);

describe("tasks", () => {
  it("create, retrieve, update, list, listAll, delete", async () => {
    const task = await client.tasks.create({
      title: "Write docs",
      priority: "high",
      metadata: { a: 1 },
    });
    expect(task.id).toEqual(expect.any(String));
    expect(task.title).toBe("Write docs");
    expect(task.priority).toBe("high");
    expect(emulator.snapshot().tasks).toHaveLength(1);

    expect((await client.tasks.retrieve(task.id!)).title).toBe("Write docs");

    const updated = await client.tasks.update(task.id!, { status: "in_review", description: "d" });
    expect(updated.status).toBe("in_review");
    expect(updated.description).toBe("d");

    for (let i = 0; i < 4; i++) await client.tasks.create({ title: `t${i}`, projectId: "proj_1" });
    const page = await client.tasks.list({ projectId: "proj_1", limit: 3 });
    expect(page.tasks).toHaveLength(3);
    expect(page.nextCursor).toEqual(expect.any(String));
    const all: string[] = [];
    for await (const t of client.tasks.listAll({ projectId: "proj_1", limit: 3 }))
      all.push(t.title!);
    expect(all.sort()).toEqual(["t0", "t1", "t2", "t3"]);
    expect(requests("GET /v1/tasks").total).toBe(3);

    await client.tasks.delete(task.id!);
    await expect(client.tasks.retrieve(task.id!)).rejects.toBeInstanceOf(NotFoundError);
    expect(emulator.snapshot().tasks).toHaveLength(4);
  });

  it("sends every task create with an Idempotency-Key (given or random)", async () => {
    await client.tasks.create({ title: "a" }, { idempotencyKey: "key-123" });
    await client.tasks.create({ title: "b" });
    expect(faults.calls[0]!.headers["idempotency-key"]).toBe("key-123");
    expect(faults.calls[1]!.headers["idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(faults.calls[0]!.headers["user-agent"]).toMatch(/^pulumi-acp\/\d+\.\d+\.\d+/);
    // The same key again: the server replays the first answer instead of creating a second task.
    const again = await client.tasks.create({ title: "a" }, { idempotencyKey: "key-123" });
    expect(emulator.snapshot().tasks).toHaveLength(2);
    expect(again.title).toBe("a");
  });

  it("refuses bad params before sending, naming the field", async () => {
    await expect(client.tasks.create({ title: "" })).rejects.toMatchObject({
      code: "validation",
      field: "title",
      status: undefined,
    });
    await expect(
      client.tasks.create({ title: "x", status: "in_review" } as never),
    ).rejects.toMatchObject({
      field: "status",
    });
    await expect(client.tasks.create({ title: "x", bogus: 1 } as never)).rejects.toMatchObject({
      field: "bogus",
    });
    await expect(client.tasks.update("t", { dueAt: "tomorrow" })).rejects.toMatchObject({
      field: "dueAt",
    });
    await expect(client.tasks.retrieve("")).rejects.toMatchObject({ field: "taskId" });
    await expect(client.tasks.list({ limit: 0 })).rejects.toMatchObject({ field: "limit" });
    await expect(
      client.tasks.create({ title: "x" }, { idempotencyKey: "has space" }),
    ).rejects.toMatchObject({
      field: "idempotencyKey",
    });
    expect(faults.calls).toHaveLength(0);
    expect(emulator.stats().totalRequests).toBe(0);
  });

  it("percent-encodes path parameters", async () => {
    await expect(client.tasks.retrieve("../threads/x?y")).rejects.toBeInstanceOf(NotFoundError);
    expect(faults.calls[0]!.path).toBe("/v1/tasks/..%2Fthreads%2Fx%3Fy");
  });

  it("start-thread: links the thread; 409 already_started; 409 blocked by dependencies", async () => {
    const dep = await client.tasks.create({ title: "dep" });
    const task = await client.tasks.create({ title: "main", dependencyIds: [dep.id!] });
    const blocked = await client.tasks.startThread(task.id!).catch((e: unknown) => e);
    expect(ConflictError.isInstance(blocked)).toBe(true);
    const err = blocked as ConflictError;
    expect(err.reason).toBe("blocked_by_dependencies");
    expect(err.status).toBe(409);
    expect(err.message).toContain(`ACP API 409 on POST /v1/tasks/${task.id}/start-thread`);
    expect(err.message).toContain(dep.id!);
    expect(requests("POST /v1/tasks/:taskId/start-thread").total).toBe(1); // 409 is not retried

    await client.tasks.update(dep.id!, { status: "done" });
    const started = await client.tasks.startThread(task.id!, { moveToInProgress: true });
    expect(started.thread.id).toEqual(expect.any(String));
    expect(started.task?.status).toBe("in_progress");
    expect(started.task?.linkedThreadIds).toContain(started.thread.id);

    const again = (await client.tasks
      .startThread(task.id!)
      .catch((e: unknown) => e)) as ConflictError;
    expect(again).toBeInstanceOf(ConflictError);
    expect(again.reason).toBe("already_started");
  });

  it("run-thread runs the agent; 402 when the budget is too low", async () => {
    const task = await client.tasks.create({ title: "run me" });
    const res = await client.tasks.runThread(task.id!, { message: "hello" });
    expect(res.thread.id).toEqual(expect.any(String));
    expect(res.execution?.success).toBe(true);
    emulator.setBudget(0);
    const err = (await client.tasks
      .runThread(task.id!)
      .catch((e: unknown) => e)) as InsufficientBudgetError;
    expect(InsufficientBudgetError.isInstance(err)).toBe(true);
    expect(err.currentBudget).toBe(0);
    expect(requests("POST /v1/tasks/:taskId/run-thread").byStatus["402"]).toBe(1);
  });

  it("delete of a task others depend on is a 409 has_dependents, not retried", async () => {
    const dep = await client.tasks.create({ title: "dep" });
    await client.tasks.create({ title: "main", dependencyIds: [dep.id!] });
    const err = (await client.tasks.delete(dep.id!).catch((e: unknown) => e)) as ConflictError;
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.reason).toBe("has_dependents");
    expect(requests("DELETE /v1/tasks/:taskId").total).toBe(1);
  });

  it("a server 422 becomes a ValidationError with the field, not retried", async () => {
    const err = (await client.tasks
      .create({ title: "x", dependencyIds: ["task_nope"] })
      .catch((e: unknown) => e)) as ValidationError;
    expect(err).toBeInstanceOf(ValidationError);
    expect([400, 422]).toContain(err.status);
    expect(err.field).toBe("dependencyIds");
    expect(requests("POST /v1/tasks").total).toBe(1);
  });
});

describe("threads and runs", () => {
  it("threads: create, retrieve, update, delete", async () => {
    const thread = await client.threads.create({ title: "t", projectId: "proj_1" });
    expect(faults.calls[0]!.headers["idempotency-key"]).toEqual(expect.any(String));
    expect((await client.threads.retrieve(thread.id!)).title).toBe("t");
    expect((await client.threads.update(thread.id!, { title: "u" })).title).toBe("u");
    await client.threads.delete(thread.id!);
    await expect(client.threads.retrieve(thread.id!)).rejects.toMatchObject({
      code: "not_found",
      status: 404,
    });
  });

  it("threads.create with content costs budget: 402", async () => {
    emulator.setBudget(0);
    await expect(client.threads.create({ content: "hi" })).rejects.toMatchObject({
      code: "insufficient_budget",
      currentBudget: 0,
    });
  });

  it("runs: sync create (201), async create (202) then waitForCompletion", async () => {
    const sync = await client.runs.create("srv_1", { content: "hello", mode: "sync" });
    expect(sync.run.status).toBe("completed");
    const queued = await client.runs.create("srv_1", { content: "hello", mode: "async" });
    expect(queued.run.status).toBe("queued");
    expect(requests("POST /v1/servers/:serverId/runs").byStatus).toEqual({ "201": 1, "202": 1 });
    const runId = queued.run.id!;
    expect((await client.runs.retrieve("srv_1", runId)).run.id).toBe(runId);
    const done = await client.runs.waitForCompletion("srv_1", runId, {
      timeoutMs: 5000,
      pollIntervalMs: 10,
    });
    expect(done.run.status).toBe("completed");
  });

  it("waitForCompletion times out with AcpTimeoutError", async () => {
    // Its own emulator, whose runs stay queued: the shared one completes runs in 50 ms, which a
    // loaded machine can take before the first poll.
    const slow = createEmulator({ token: SECRET_TOKEN, asyncRun: { queuedMs: 60_000 } });
    const slowClient = makeClient(await slow.listen(0));
    try {
      const queued = await slowClient.runs.create("srv_1", { content: "slow", mode: "async" });
      const started = Date.now();
      const err = await slowClient.runs
        .waitForCompletion("srv_1", queued.run.id!, { timeoutMs: 100, pollIntervalMs: 5 })
        .catch((e: unknown) => e);
      expect(AcpTimeoutError.isInstance(err)).toBe(true);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await slowClient.close();
      await slow.close();
    }
  });

  it("waitForCompletion reports each read of a run that has not ended (onPoll), never an ended one", async () => {
    // Its own emulator, whose async runs never end: the third report stops the wait.
    const held = createEmulator({ token: SECRET_TOKEN, asyncRun: { hold: true } });
    const heldClient = makeClient(await held.listen(0));
    try {
      const queued = await heldClient.runs.create("srv_1", { content: "held", mode: "async" });
      const seen: string[] = [];
      const stop = new AbortController();
      await expect(
        heldClient.runs.waitForCompletion("srv_1", queued.run.id!, {
          timeoutMs: 30_000,
          pollIntervalMs: 1,
          signal: stop.signal,
          onPoll: (env) => {
            expect(env.run.id).toBe(queued.run.id);
            seen.push(env.run.status ?? "none");
            if (seen.length === 3) stop.abort();
          },
        }),
      ).rejects.toMatchObject({ code: "aborted" });
      expect(seen).toHaveLength(3);
      expect(seen.every((s) => s === "queued" || s === "running")).toBe(true);

      const ended = await heldClient.runs.create("srv_1", { content: "sync", mode: "sync" });
      const reports: unknown[] = [];
      const done = await heldClient.runs.waitForCompletion("srv_1", ended.run.id!, {
        timeoutMs: 30_000,
        onPoll: (env) => reports.push(env),
      });
      expect(done.run.status).toBe("completed");
      expect(reports).toEqual([]);
    } finally {
      await heldClient.close();
      await held.close();
    }
  });

  it("waitForCompletion honours an AbortSignal", async () => {
    const queued = await client.runs.create("srv_1", { content: "x", mode: "async" });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 10);
    await expect(
      client.runs.waitForCompletion("srv_1", queued.run.id!, {
        timeoutMs: 5000,
        pollIntervalMs: 1000,
        signal: controller.signal,
      }),
    ).rejects.toMatchObject({ code: "aborted" });
  });
});

describe("retries (counted on the server)", () => {
  it("503 then success = 2 requests", async () => {
    const task = await client.tasks.create({ title: "x" });
    emulator.resetStats();
    faults.queue.push("status=503");
    await client.tasks.retrieve(task.id!);
    expect(requests("GET /v1/tasks/:taskId").byStatus).toEqual({ "503": 1, "200": 1 });
    expect(logLines.filter((l) => l.includes("GET"))).toHaveLength(2);
  });

  it("gives up after maxRetries with a ServerError", async () => {
    const task = await client.tasks.create({ title: "x" });
    emulator.resetStats();
    faults.queue.push("status=503", "status=503", "status=503");
    const err = await client.tasks.retrieve(task.id!, { maxRetries: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect(requests("GET /v1/tasks/:taskId").total).toBe(3);
  });

  it("501 is not retried", async () => {
    faults.queue.push("status=501");
    await expect(client.tasks.retrieve("task_x")).rejects.toMatchObject({
      code: "server_error",
      status: 501,
    });
    expect(emulator.stats().totalRequests).toBe(1);
  });

  it("429 honours Retry-After", async () => {
    const task = await client.tasks.create({ title: "x" });
    emulator.resetStats();
    faults.queue.push("status=429;retry-after=1");
    const started = Date.now();
    await client.tasks.retrieve(task.id!);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(requests("GET /v1/tasks/:taskId").byStatus).toEqual({ "429": 1, "200": 1 });
  });

  it("429 past the retries is a RateLimitError with retryAfterMs", async () => {
    faults.queue.push("status=429;retry-after=0");
    const err = (await client.tasks
      .retrieve("t", { maxRetries: 0 })
      .catch((e: unknown) => e)) as RateLimitError;
    expect(RateLimitError.isInstance(err)).toBe(true);
    expect(err.retryAfterMs).toBe(0);
  });

  it("POST with a dropped response + Idempotency-Key creates exactly one task", async () => {
    faults.queue.push("drop");
    const task = await client.tasks.create({ title: "once" });
    expect(task.title).toBe("once");
    expect(emulator.snapshot().tasks).toHaveLength(1);
    const keys = faults.calls.map((c) => c.headers["idempotency-key"]);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
  });

  it("start-thread with a dropped response is retried without starting twice", async () => {
    const task = await client.tasks.create({ title: "x" });
    faults.queue.push("drop");
    const res = await client.tasks.startThread(task.id!);
    expect(res.thread.id).toEqual(expect.any(String));
    expect(emulator.snapshot().threads).toHaveLength(1);
  });

  it("PATCH and DELETE are retried after a reset / dropped response", async () => {
    const task = await client.tasks.create({ title: "x" });
    emulator.resetStats();
    faults.queue.push("reset");
    expect((await client.tasks.update(task.id!, { title: "y" })).title).toBe("y");
    expect(requests("PATCH /v1/tasks/:taskId").byStatus).toEqual({ reset: 1, "200": 1 });

    faults.queue.push("drop");
    // The first DELETE happened; its retry sees 404, which the caller treats as done.
    const err = await client.tasks.delete(task.id!).catch((e: unknown) => e);
    expect(NotFoundError.isInstance(err)).toBe(true);
    expect(requests("DELETE /v1/tasks/:taskId").byStatus).toEqual({ drop: 1, "404": 1 });
    expect(emulator.snapshot().tasks).toHaveLength(0);
  });

  it("a per-attempt timeout is retried for a GET", async () => {
    const task = await client.tasks.create({ title: "x" });
    emulator.resetStats();
    // The first attempt is held 6× past its timeout; the retry has the whole timeout for an
    // answer that takes milliseconds, even on a loaded machine.
    faults.queue.push("latency=1500");
    await client.tasks.retrieve(task.id!, { timeoutMs: 250 });
    expect(logLines.some((l) => l.includes("timeout"))).toBe(true);
    expect(faults.calls.filter((c) => c.method === "GET")).toHaveLength(2);
    await settle(1500); // let the abandoned answer finish so it is not counted by the next test
  });

  it("a timeout past the retries is an AcpTimeoutError", async () => {
    faults.queue.push("latency=150", "latency=150");
    const err = await client.tasks
      .retrieve("task_1", { timeoutMs: 50, maxRetries: 1 })
      .catch((e: unknown) => e);
    await settle(150);
    expect(AcpTimeoutError.isInstance(err)).toBe(true);
    expect((err as Error).message).toMatch(/timed out after 50 ms/);
  });

  it("server-wide random faults: every call still succeeds", async () => {
    emulator.setFaults({ errorRate: 0.2, resetRate: 0.1, dropResponseRate: 0.2 });
    const ids: string[] = [];
    for (let i = 0; i < 15; i++)
      ids.push((await client.tasks.create({ title: `t${i}` }, { maxRetries: 8 })).id!);
    emulator.setFaults(undefined);
    expect(new Set(ids).size).toBe(15);
    expect(emulator.snapshot().tasks).toHaveLength(15);
  });

  it("connection refused: retried, then AcpConnectionError with the cause", async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    const lines: string[] = [];
    const c = makeClient(`http://127.0.0.1:${port}`, {
      maxRetries: 2,
      logger: (l) => lines.push(l),
    });
    const err = await c.tasks.create({ title: "x" }).catch((e: unknown) => e);
    await c.close();
    expect(AcpConnectionError.isInstance(err)).toBe(true);
    expect((err as Error).message).toContain("ECONNREFUSED");
    expect(lines).toHaveLength(3);
  });
});

describe("connections and secrets", () => {
  it("keep-alive: 50 sequential retrievals open 1 connection", async () => {
    const own = makeClient(baseUrl);
    const task = await own.tasks.create({ title: "x" });
    emulator.resetStats();
    for (let i = 0; i < 50; i++) await own.tasks.retrieve(task.id!);
    const stats = emulator.stats();
    await own.close();
    expect(countRequests(stats, "GET /v1/tasks/:taskId").total).toBe(50);
    expect(stats.connectionsOpened).toBeLessThanOrEqual(1);
  });

  it("the token never appears in errors, logs or the client", async () => {
    const lines: string[] = [];
    const wrong = new AcpClient({
      baseUrl,
      token: `${SECRET_TOKEN}_wrong`,
      retryBaseDelayMs: 1,
      logger: (l) => lines.push(l),
    });
    const errs: unknown[] = [];
    errs.push(await wrong.tasks.retrieve("task_1").catch((e: unknown) => e));
    errs.push(await client.tasks.retrieve("task_nope").catch((e: unknown) => e));
    errs.push(await client.tasks.create({ title: "" }).catch((e: unknown) => e));
    faults.queue.push("status=503", "status=503");
    errs.push(await client.tasks.retrieve("t", { maxRetries: 1 }).catch((e: unknown) => e));
    faults.queue.push("latency=200");
    errs.push(
      await client.tasks.retrieve("t", { maxRetries: 0, timeoutMs: 20 }).catch((e: unknown) => e),
    );
    await settle(200);
    const refused = makeClient("http://127.0.0.1:1", {
      maxRetries: 0,
      logger: (l) => lines.push(l),
    });
    errs.push(await refused.tasks.retrieve("t").catch((e: unknown) => e));
    expect(AuthenticationError.isInstance(errs[0])).toBe(true);
    for (const e of errs) {
      expect(e).toBeInstanceOf(Error);
      const err = e as Error & Record<string, unknown>;
      expect(err.message).not.toContain(SECRET_TOKEN);
      expect(String(err.stack)).not.toContain(SECRET_TOKEN);
      expect(JSON.stringify(err)).not.toContain(SECRET_TOKEN);
      expect(inspect(err, { depth: 10 })).not.toContain(SECRET_TOKEN);
      expect(inspect(err, { depth: 10, showHidden: true })).not.toContain(SECRET_TOKEN);
      for (const key of Object.keys(err))
        expect(JSON.stringify(err[key]) ?? "").not.toContain(SECRET_TOKEN);
    }
    expect([...lines, ...logLines].join("\n")).not.toContain(SECRET_TOKEN);
    expect(lines.length + logLines.length).toBeGreaterThan(4);
    for (const c of [client, wrong, refused]) {
      expect(JSON.stringify(c)).not.toContain(SECRET_TOKEN);
      expect(inspect(c, { depth: 10 })).not.toContain(SECRET_TOKEN);
      expect(Object.keys(c)).not.toContain("token");
    }
    await wrong.close();
    await refused.close();
  });
});
