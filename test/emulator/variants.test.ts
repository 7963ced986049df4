import { spawn } from "node:child_process";
import * as path from "node:path";
import { CONTRACT_VARIANT, createEmulator, type ApiVariantOptions } from "../../emulator";
import { createTask, start, startCli, TOKEN, type Harness } from "./helpers";

/** Runs `body` against an emulator started with `variant`, and closes it afterwards. */
async function withVariant(
  variant: ApiVariantOptions,
  body: (h: Harness) => Promise<void>,
): Promise<void> {
  const h = await start(variant);
  try {
    await body(h);
  } finally {
    await h.emulator.close();
  }
}

describe("API variants: each breaks one assumption, the default keeps it", () => {
  it("idempotencyReplay: false creates again on a repeated Idempotency-Key", async () => {
    for (const idempotencyReplay of [true, false]) {
      await withVariant({ idempotencyReplay }, async (h) => {
        const key = { "idempotency-key": "same" };
        const first = await h.call("POST", "/v1/tasks", { title: "once" }, key);
        const second = await h.call("POST", "/v1/tasks", { title: "once" }, key);
        expect([first.status, second.status]).toEqual([201, 201]);
        expect(second.body.task.id === first.body.task.id).toBe(idempotencyReplay);
        expect(h.emulator.snapshot().tasks).toHaveLength(idempotencyReplay ? 1 : 2);
      });
    }
  });

  it("replayedHeader: false replays without the Idempotent-Replayed header", async () => {
    await withVariant({ replayedHeader: false }, async (h) => {
      const key = { "idempotency-key": "same" };
      const first = await h.call("POST", "/v1/tasks", { title: "once" }, key);
      const second = await h.call("POST", "/v1/tasks", { title: "once" }, key);
      expect(second.body.task.id).toBe(first.body.task.id);
      expect(second.headers.get("idempotent-replayed")).toBeNull();
    });
  });

  it("patchAcceptsNull: false answers 422 naming the field, changing nothing", async () => {
    await withVariant({ patchAcceptsNull: false }, async (h) => {
      const task = await createTask(h, { dueAt: "2026-12-01" });
      const answer = await h.call("PATCH", `/v1/tasks/${task.id}`, { dueAt: null });
      expect([answer.status, answer.body.field]).toEqual([422, "dueAt"]);
      expect(h.emulator.snapshot().tasks[0].dueAt).toBe("2026-12-01");
    });
  });

  it("patchAcceptsInReview: false answers 422 on status in_review only", async () => {
    await withVariant({ patchAcceptsInReview: false }, async (h) => {
      const task = await createTask(h);
      const refused = await h.call("PATCH", `/v1/tasks/${task.id}`, { status: "in_review" });
      expect([refused.status, refused.body.field]).toEqual([422, "status"]);
      const done = await h.call("PATCH", `/v1/tasks/${task.id}`, { status: "done" });
      expect(done.status).toBe(200);
    });
  });

  it('listEnvelope: "data" answers {data, next_cursor}, and the cursor still pages', async () => {
    await withVariant({ listEnvelope: "data" }, async (h) => {
      for (const title of ["a", "b", "c"]) await createTask(h, { title });
      const first = await h.call("GET", "/v1/tasks?limit=2");
      expect(Object.keys(first.body).sort()).toEqual(["data", "next_cursor"]);
      const second = await h.call("GET", `/v1/tasks?limit=2&cursor=${first.body.next_cursor}`);
      expect(Object.keys(second.body)).toEqual(["data"]);
      const titles = [...first.body.data, ...second.body.data].map((t) => t.title);
      expect(titles).toEqual(["a", "b", "c"]);
    });
  });

  it("deleteStatus: 200 answers 200 with a body when a task or a thread is deleted", async () => {
    await withVariant({ deleteStatus: 200 }, async (h) => {
      const task = await createTask(h);
      const thread = (await h.call("POST", "/v1/threads", {})).body.thread;
      const deletedTask = await h.call("DELETE", `/v1/tasks/${task.id}`);
      const deletedThread = await h.call("DELETE", `/v1/threads/${thread.id}`);
      expect([deletedTask.status, deletedTask.body]).toEqual([200, { deleted: true, id: task.id }]);
      expect([deletedThread.status, deletedThread.body.id]).toEqual([200, thread.id]);
      expect(h.emulator.snapshot()).toMatchObject({ tasks: [], threads: [] });
    });
  });

  it("conflictReason: false answers 409 with a message and no reason", async () => {
    await withVariant({ conflictReason: false }, async (h) => {
      const dependency = await createTask(h);
      const task = await createTask(h, { dependencyIds: [dependency.id] });
      const blocked = await h.call("POST", `/v1/tasks/${task.id}/start-thread`, {});
      expect(blocked.status).toBe(409);
      expect(blocked.body.reason).toBeUndefined();
      expect(blocked.body.message).toMatch(/blocked by dependencies/);
    });
  });

  it("validationField: false answers 422 without field", async () => {
    await withVariant({ validationField: false }, async (h) => {
      const answer = await h.call("POST", "/v1/tasks", { title: "x", priority: "whenever" });
      expect(answer.status).toBe(422);
      expect(answer.body.field).toBeUndefined();
      expect(answer.body.message).toMatch(/priority/);
    });
  });

  it("retryAfter: false answers 429 without Retry-After", async () => {
    for (const retryAfter of [true, false]) {
      await withVariant({ retryAfter }, async (h) => {
        const answer = await h.call("GET", "/v1/tasks", undefined, {
          "x-acp-emulator-fault": "status=429;retry-after=3",
        });
        expect(answer.status).toBe(429);
        expect(answer.headers.get("retry-after")).toBe(retryAfter ? "3" : null);
      });
    }
  });

  it("deletedTaskStatus: 410 answers 410 for a deleted task, 404 for one that never was", async () => {
    await withVariant({ deletedTaskStatus: 410 }, async (h) => {
      const task = await createTask(h);
      expect((await h.call("DELETE", `/v1/tasks/${task.id}`)).status).toBe(204);
      const gone = await h.call("GET", `/v1/tasks/${task.id}`);
      expect([gone.status, gone.body.error]).toEqual([410, "gone"]);
      expect((await h.call("GET", "/v1/tasks/task_never")).status).toBe(404);
      h.emulator.reset();
      expect((await h.call("GET", `/v1/tasks/${task.id}`)).status).toBe(404);
    });
  });

  it("metadataStrings: true keeps strings and stores other values as JSON text", async () => {
    await withVariant({ metadataStrings: true }, async (h) => {
      const task = await createTask(h, { metadata: { s: "text", n: 1, o: { a: [true] } } });
      expect(task.metadata).toEqual({ s: "text", n: "1", o: '{"a":[true]}' });
      const updated = await h.call("PATCH", `/v1/tasks/${task.id}`, { metadata: { b: false } });
      expect(updated.body.task.metadata).toEqual({ b: "false" });
    });
  });

  it("clockOffsetMs moves the server's timestamps and its Date header", async () => {
    const offset = 3_600_000;
    await withVariant({ clockOffsetMs: offset }, async (h) => {
      const before = Date.now();
      const answer = await h.call("POST", "/v1/tasks", { title: "late" });
      const after = Date.now();
      const createdAt = Date.parse(answer.body.task.createdAt);
      expect(createdAt).toBeGreaterThanOrEqual(before + offset);
      expect(createdAt).toBeLessThanOrEqual(after + offset);
      const date = Date.parse(answer.headers.get("date") ?? "");
      expect(date).toBeGreaterThanOrEqual(Math.floor((before + offset) / 1000) * 1000);
    });
  });

  it("refuses a value outside the documented choices, naming the option", () => {
    expect(() => createEmulator({ deleteStatus: 202 as 204 })).toThrow(
      /deleteStatus must be 204 or 200/,
    );
    expect(() => createEmulator({ listEnvelope: "items" as "data" })).toThrow(/listEnvelope/);
  });

  it("the contract variant is what an emulator without options plays", () => {
    expect(CONTRACT_VARIANT).toMatchObject({ idempotencyReplay: true, deleteStatus: 204 });
  });
});

describe("acp-emulator CLI variant flags", () => {
  it("--no-idempotency-replay --delete-status 200 --list-envelope data reach the server", async () => {
    const { child, url, exited } = await startCli([
      "--port",
      "0",
      "--token",
      TOKEN,
      "--no-idempotency-replay",
      "--delete-status",
      "200",
      "--list-envelope",
      "data",
      "--clock-offset=-60000",
    ]);
    try {
      const call = (method: string, route: string, body?: unknown) =>
        fetch(url + route, {
          method,
          headers: {
            authorization: `Bearer ${TOKEN}`,
            "idempotency-key": "k",
            ...(body ? { "content-type": "application/json" } : {}),
          },
          body: body ? JSON.stringify(body) : undefined,
        });
      const first = (await (await call("POST", "/v1/tasks", { title: "t" })).json()) as {
        task: { id: string; createdAt: string };
      };
      const second = (await (await call("POST", "/v1/tasks", { title: "t" })).json()) as {
        task: { id: string };
      };
      expect(second.task.id).not.toBe(first.task.id);
      expect(Date.parse(first.task.createdAt)).toBeLessThan(Date.now() - 50_000);
      const list = (await (await call("GET", "/v1/tasks")).json()) as Record<string, unknown>;
      expect(Object.keys(list)).toEqual(["data"]);
      expect((await call("DELETE", `/v1/tasks/${first.task.id}`)).status).toBe(200);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  }, 20_000);

  it("refuses an unknown choice with the usage and exit code 2", async () => {
    const child = spawn(
      process.execPath,
      ["-r", "ts-node/register", "emulator/main.ts", "--delete-status", "202"],
      {
        cwd: path.resolve(__dirname, "../.."),
        env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "1" },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let err = "";
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(2);
    expect(err).toMatch(/--delete-status must be one of 204, 200/);
  }, 20_000);
});
