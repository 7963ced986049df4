import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createEmulator } from "../../emulator";
import { createTask, start, TOKEN, useEmulator, type Harness, type JsonBody } from "./helpers";

describe("the request pipeline", () => {
  const h = useEmulator();

  it("answers 401 without the right bearer token, on known and unknown /v1 routes", async () => {
    for (const authorization of ["", "Bearer wrong", `Basic ${TOKEN}`, TOKEN]) {
      const answer = await h.call("GET", "/v1/tasks", undefined, { authorization });
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ error: "unauthorized", message: expect.any(String) });
    }
    const unknown = await h.call("GET", "/v1/nothing", undefined, { authorization: "" });
    expect(unknown.status).toBe(401);
    const refused = await h.call("POST", "/v1/tasks", { title: "x" }, { authorization: "" });
    expect(refused.status).toBe(401);
    expect(h.emulator.snapshot().tasks).toHaveLength(0);
  });

  it("answers 404 on unknown routes and methods, as JSON", async () => {
    for (const [method, route] of [
      ["GET", "/v1/nothing"],
      ["PUT", "/v1/tasks"],
      ["GET", "/v2/tasks"],
      ["GET", "/"],
    ]) {
      const answer = await h.call(method, route);
      expect([route, answer.status, answer.body.error]).toEqual([route, 404, "not_found"]);
    }
  });

  it("answers 400 on malformed JSON, 415 on another content type, 413 past 1 MiB", async () => {
    const malformed = await h.call("POST", "/v1/tasks", "{ title: ");
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ error: "bad_request" });
    expect(malformed.body.message).toMatch(/JSON/);

    const text = await h.call("POST", "/v1/tasks", "title=x", { "content-type": "text/plain" });
    expect(text.status).toBe(415);
    expect(text.body.error).toBe("unsupported_media_type");

    const charset = await h.call("POST", "/v1/tasks", JSON.stringify({ title: "x" }), {
      "content-type": "application/json; charset=utf-8",
    });
    expect(charset.status).toBe(201);

    const huge = await h.call("POST", "/v1/tasks", {
      title: "x",
      description: "y".repeat(2 * 1024 * 1024),
    });
    expect(huge.status).toBe(413);
    expect(huge.body.error).toBe("payload_too_large");
    expect(h.emulator.snapshot().tasks).toHaveLength(1);
    // The server goes on after every refusal.
    expect((await h.call("GET", "/v1/tasks")).status).toBe(200);
  });

  it("answers a non-object body with 422", async () => {
    const answer = await h.call("POST", "/v1/tasks", [1, 2]);
    expect(answer.status).toBe(422);
    expect(answer.body.field).toBe("body");
  });

  it("counts requests by route template and status, and connections", async () => {
    h.emulator.resetStats();
    const task = await createTask(h);
    await h.call("GET", `/v1/tasks/${task.id}`);
    await h.call("GET", "/v1/tasks/task_nope");
    await h.call("GET", "/v1/unknown");
    const stats = h.emulator.stats();
    expect(stats.requests).toEqual({
      "POST /v1/tasks": { "201": 1 },
      "GET /v1/tasks/:taskId": { "200": 1, "404": 1 },
      unmatched: { "404": 1 },
    });
    expect(stats.totalRequests).toBe(4);
  });

  it("logs method, path, status and body, never the token", async () => {
    h.emulator.log.length = 0;
    await createTask(h, { title: "logged" });
    await h.call("GET", "/v1/tasks?limit=2");
    expect(h.emulator.log).toEqual([
      expect.objectContaining({
        method: "POST",
        path: "/v1/tasks",
        status: 201,
        body: { title: "logged" },
      }),
      expect.objectContaining({ method: "GET", path: "/v1/tasks?limit=2", status: 200 }),
    ]);
    expect(typeof h.emulator.log[0].ms).toBe("number");
    const everything = JSON.stringify([
      h.emulator.log,
      h.emulator.stats(),
      h.emulator.snapshot(),
      await (await fetch(`${h.url}/__emulator/stats`)).json(),
    ]);
    expect(everything).not.toContain(TOKEN);
  });
});

describe("reserved /__emulator/ paths", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await start({ budget: 7 });
  });
  afterAll(() => h.emulator.close());

  const reserved = async (method: string, route: string, body?: unknown) => {
    const response = await fetch(`${h.url}/__emulator/${route}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as JsonBody };
  };

  it("steers the emulator without a token and without faults", async () => {
    await createTask(h, { title: "kept" });
    const store = await reserved("GET", "store");
    expect(store.status).toBe(200);
    expect(store.body.tasks.map((t: { title: string }) => t.title)).toEqual(["kept"]);
    expect(store.body.budget).toBe(7);

    expect((await reserved("PUT", "budget", { budget: 0.02 })).body).toEqual({ budget: 0.02 });
    expect(h.emulator.snapshot().budget).toBe(0.02);
    expect((await reserved("PUT", "budget", { budget: -1 })).status).toBe(422);

    const agent = await reserved("PUT", "agent", { fail: true, costPerRun: 0.01 });
    expect(agent.body.agent).toMatchObject({ fail: true, costPerRun: 0.01 });
    const task = await createTask(h);
    const run = await h.call("POST", `/v1/tasks/${task.id}/run-thread`, {});
    expect(run.body.execution.success).toBe(false);

    expect((await reserved("PUT", "faults", { errorRate: 1 })).status).toBe(200);
    expect((await h.call("GET", "/v1/tasks")).status).toBe(503);
    expect((await reserved("GET", "stats")).status).toBe(200);
    expect((await reserved("PUT", "faults", { errorRate: 2 })).status).toBe(422);
    expect((await reserved("PUT", "faults", {})).status).toBe(200);
    expect((await h.call("GET", "/v1/tasks")).status).toBe(200);

    const stats = await reserved("GET", "stats");
    expect(stats.body.faultsInjected.error).toBe(1);
    expect(stats.body.requests["GET /v1/tasks"]).toEqual({ "200": 1, "503": 1 });
    expect((await reserved("POST", "stats/reset")).body.totalRequests).toBe(0);

    const reset = await reserved("POST", "reset");
    expect(reset.body).toEqual({ tasks: [], threads: [], runs: [], budget: 7 });
    expect(h.emulator.snapshot().tasks).toHaveLength(0);
    expect((await reserved("GET", "nothing")).status).toBe(404);
  });
});

describe("Idempotency-Key", () => {
  const h = useEmulator({ budget: 1 });

  it("replays the first answer without creating again", async () => {
    const key = { "idempotency-key": "k1" };
    const first = await h.call("POST", "/v1/tasks", { title: "once" }, key);
    const second = await h.call("POST", "/v1/tasks", { title: "once" }, key);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(h.emulator.snapshot().tasks).toHaveLength(1);
    const other = await h.call("POST", "/v1/tasks", { title: "once" }, { "idempotency-key": "k2" });
    expect(other.body.task.id).not.toBe(first.body.task.id);
    expect(h.emulator.snapshot().tasks).toHaveLength(2);
  });

  it("refuses the same key with another body with 422", async () => {
    await h.call("POST", "/v1/tasks", { title: "a" }, { "idempotency-key": "k" });
    const reused = await h.call("POST", "/v1/tasks", { title: "b" }, { "idempotency-key": "k" });
    expect(reused.status).toBe(422);
    expect(reused.body.field).toBe("Idempotency-Key");
    expect(h.emulator.snapshot().tasks).toHaveLength(1);
  });

  it("runs concurrent requests with one key once", async () => {
    h.emulator.setAgent({ durationMs: 100 });
    const task = await createTask(h);
    const answers = await Promise.all(
      [1, 2, 3].map(() =>
        h.call("POST", `/v1/tasks/${task.id}/run-thread`, {}, { "idempotency-key": "run-1" }),
      ),
    );
    expect(new Set(answers.map((a) => a.body.thread.id)).size).toBe(1);
    expect(h.emulator.snapshot().threads).toHaveLength(1);
    expect(h.emulator.snapshot().budget).toBeCloseTo(0.95, 10);
  });

  it("does not store a refusal: the retry is evaluated afresh", async () => {
    const task = await createTask(h);
    h.emulator.setBudget(0);
    const key = { "idempotency-key": "budget" };
    expect((await h.call("POST", `/v1/tasks/${task.id}/run-thread`, {}, key)).status).toBe(402);
    h.emulator.setBudget(1);
    expect((await h.call("POST", `/v1/tasks/${task.id}/run-thread`, {}, key)).status).toBe(201);
  });
});

describe("fault injection", () => {
  const h = useEmulator();
  const fault = (value: string) => ({ "x-acp-emulator-fault": value });

  it("status=503 answers an error body and changes nothing", async () => {
    const answer = await h.call("POST", "/v1/tasks", { title: "x" }, fault("status=503"));
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ error: "service_unavailable" });
    expect(h.emulator.snapshot().tasks).toHaveLength(0);
    expect(h.emulator.stats().faultsInjected.error).toBe(1);
  });

  it("status=429;retry-after=2 answers 429 with Retry-After and changes nothing", async () => {
    const answer = await h.call(
      "POST",
      "/v1/tasks",
      { title: "x" },
      fault("status=429;retry-after=2"),
    );
    expect(answer.status).toBe(429);
    expect(answer.headers.get("retry-after")).toBe("2");
    expect(answer.body.error).toBe("rate_limited");
    expect(h.emulator.snapshot().tasks).toHaveLength(0);
    expect(h.emulator.stats().faultsInjected.rateLimit).toBe(1);
  });

  it("reset destroys the socket and changes nothing", async () => {
    await expect(h.call("POST", "/v1/tasks", { title: "x" }, fault("reset"))).rejects.toThrow();
    expect(h.emulator.snapshot().tasks).toHaveLength(0);
    expect(h.emulator.stats().requests["POST /v1/tasks"]).toEqual({ reset: 1 });
    expect(h.emulator.log.at(-1)).toMatchObject({ status: 0, fault: "reset" });
  });

  it("drop applies a write, then destroys the socket; reads ignore it", async () => {
    await expect(h.call("POST", "/v1/tasks", { title: "x" }, fault("drop"))).rejects.toThrow();
    expect(h.emulator.snapshot().tasks.map((t) => t.title)).toEqual(["x"]);
    expect(h.emulator.stats().faultsInjected.drop).toBe(1);
    expect((await h.call("GET", "/v1/tasks", undefined, fault("drop"))).status).toBe(200);
  });

  it("latency=N delays the answer; faults combine with commas", async () => {
    const started = Date.now();
    const answer = await h.call("GET", "/v1/tasks", undefined, fault("latency=200, status=502"));
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(answer.status).toBe(502);
    expect(h.emulator.stats().faultsInjected.latency).toBe(1);
  });

  it("server-wide latencyMs delays only the listed routes, before the request is handled", async () => {
    const task = await createTask(h, { title: "slow to delete" });
    h.emulator.setFaults({ latencyMs: 1000, routes: [`/v1/tasks/${task.id}`] });
    const started = Date.now();
    const slowDelete = h.call("DELETE", `/v1/tasks/${task.id}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Another route is answered at once, while the delete, sent first, is not applied yet.
    const listed = await h.call("GET", "/v1/tasks");
    expect(listed.body.tasks).toHaveLength(1);
    expect(h.emulator.snapshot().tasks).toHaveLength(1);
    expect((await slowDelete).status).toBe(204);
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(h.emulator.snapshot().tasks).toHaveLength(0);
  });

  it("holdAfter lets N requests through and holds the rest, unacted, until the faults change", async () => {
    /** Polls until `n` requests are held (a bound, not a timing: the condition always comes). */
    const heldCount = async (emulator: typeof h.emulator, n: number) => {
      for (let i = 0; i < 500 && emulator.stats().faultsInjected.held < n; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return emulator.stats().faultsInjected.held;
    };
    h.emulator.setFaults({ holdAfter: 1, routes: ["/v1/tasks"] });
    expect((await h.call("POST", "/v1/tasks", { title: "first" })).status).toBe(201);
    const second = h.call("POST", "/v1/tasks", { title: "second" });
    expect(await heldCount(h.emulator, 1)).toBe(1);
    expect(h.emulator.snapshot().tasks.map((t) => t.title)).toEqual(["first"]);
    // Other routes go on meanwhile.
    expect((await h.call("GET", "/v1/threads/nope")).status).toBe(404);
    h.emulator.setFaults(undefined);
    expect((await second).status).toBe(201);
    expect(h.emulator.snapshot().tasks.map((t) => t.title)).toEqual(["first", "second"]);

    // Closing the emulator drops what it holds, unacted.
    const other = await start({ faults: { holdAfter: 0 } });
    const held = other.call("POST", "/v1/tasks", { title: "never" });
    expect(await heldCount(other.emulator, 1)).toBe(1);
    await other.emulator.close();
    await expect(held).rejects.toThrow();
    expect(other.emulator.snapshot().tasks).toHaveLength(0);
  });

  it("a malformed fault header is a 400", async () => {
    const answer = await h.call("GET", "/v1/tasks", undefined, fault("explode"));
    expect(answer.status).toBe(400);
    expect(answer.body.field).toBe("x-acp-emulator-fault");
  });

  it("server-wide rates apply to the listed routes only", async () => {
    h.emulator.setFaults({ rateLimitRate: 1, retryAfterSeconds: 3, routes: ["/v1/threads"] });
    expect((await h.call("POST", "/v1/tasks", { title: "x" })).status).toBe(201);
    const limited = await h.call("POST", "/v1/threads", {});
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("3");
    expect(h.emulator.snapshot().threads).toHaveLength(0);

    h.emulator.setFaults({ resetRate: 1 });
    await expect(h.call("GET", "/v1/tasks")).rejects.toThrow();
    h.emulator.setFaults({ dropResponseRate: 1 });
    expect((await h.call("GET", "/v1/tasks")).status).toBe(200);
    await expect(h.call("POST", "/v1/tasks", { title: "dropped" })).rejects.toThrow();
    expect(h.emulator.snapshot().tasks).toHaveLength(2);
    h.emulator.setFaults({ errorRate: 1, errorStatus: 500 });
    expect((await h.call("GET", "/v1/tasks")).status).toBe(500);
  });

  it("a seed gives a reproducible fault sequence", async () => {
    const sequence = async (seed: number) => {
      const other = await start({ seed, faults: { errorRate: 0.5 } });
      const statuses: number[] = [];
      for (let i = 0; i < 16; i++) statuses.push((await other.call("GET", "/v1/tasks")).status);
      await other.emulator.close();
      return statuses;
    };
    const [a, b, c] = [await sequence(42), await sequence(42), await sequence(7)];
    expect(a).toEqual(b);
    expect(a).toContain(503);
    expect(a).toContain(200);
    expect(c).not.toEqual(a);
  });
});

describe("persistence and lifecycle", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "acp-emulator-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("journals each write beside the data file, compacts it on close and reloads it", async () => {
    const dataFile = path.join(dir, "store.json");
    const first = await start({ dataFile, budget: 3 });
    const task = await createTask(first, { title: "persisted" });
    const inode = fs.statSync(dataFile).ino;
    await first.call("POST", `/v1/tasks/${task.id}/run-thread`, {}, { "idempotency-key": "p" });
    // Appended to the journal, not a rewrite of the whole file.
    expect(fs.statSync(dataFile).ino).toBe(inode);
    expect(fs.readdirSync(dir).sort()).toEqual(["store.json", "store.json.journal"]);
    const before = first.emulator.snapshot();
    await first.emulator.close();
    expect(fs.readdirSync(dir)).toEqual(["store.json"]);

    const second = await start({ dataFile, budget: 3 });
    expect(second.emulator.snapshot()).toEqual(before);
    expect(second.emulator.snapshot().budget).toBeCloseTo(2.95, 10);
    // Idempotency keys survive a restart.
    const replay = await second.call(
      "POST",
      `/v1/tasks/${task.id}/run-thread`,
      {},
      { "idempotency-key": "p" },
    );
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(second.emulator.snapshot().threads).toHaveLength(1);
    await createTask(second, { title: "after restart" });
    const listed = await second.call("GET", "/v1/tasks");
    expect(listed.body.tasks.map((t: { title: string }) => t.title)).toEqual([
      "persisted",
      "after restart",
    ]);
    await second.emulator.close();
  });

  it("answers 500 as JSON when persisting fails, and goes on", async () => {
    const h = await start({ dataFile: path.join(dir, "missing-dir", "store.json") });
    const answer = await h.call("POST", "/v1/tasks", { title: "x" });
    expect(answer.status).toBe(500);
    expect(answer.body).toMatchObject({ error: "internal_error" });
    const stats = await fetch(`${h.url}/__emulator/stats`);
    expect(stats.status).toBe(200);
    await expect(h.emulator.close()).rejects.toThrow(/ENOENT/);
    expect(h.emulator.server.listening).toBe(false);
  });

  it("close() ends keep-alive connections and async timers", async () => {
    const h = await start({ asyncRun: { queuedMs: 10_000, runningMs: 10_000 } });
    await h.call("POST", "/v1/servers/s/runs", { content: "x", mode: "async" });
    expect(h.emulator.stats().connectionsOpened).toBeGreaterThanOrEqual(1);
    const started = Date.now();
    await h.emulator.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(h.emulator.server.listening).toBe(false);
    await expect(fetch(`${h.url}/v1/tasks`)).rejects.toThrow();
  });

  it("throws on url before listen", () => {
    expect(() => createEmulator().url).toThrow(/listen/);
  });
});
