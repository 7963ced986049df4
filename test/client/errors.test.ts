import { inspect } from "node:util";
import { MockAgent } from "undici";
import {
  AcpApiError,
  AcpClient,
  AcpConnectionError,
  AcpError,
  AuthenticationError,
  ConflictError,
  errorFromResponse,
  InsufficientBudgetError,
  MAX_RESPONSE_BYTES,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ResponseValidationError,
  ServerError,
  ValidationError,
} from "../../provider/client";
import { SECRET_TOKEN } from "./helpers";

const ORIGIN = "https://api.acp.test";

let mock: MockAgent;
let client: AcpClient;

beforeEach(() => {
  mock = new MockAgent();
  mock.disableNetConnect();
  client = new AcpClient({
    baseUrl: ORIGIN,
    token: SECRET_TOKEN,
    dispatcher: mock,
    retryBaseDelayMs: 1,
    maxRetries: 2,
  });
});

afterEach(async () => {
  await client.close();
  await mock.close();
});

const pool = () => mock.get(ORIGIN);
const json = { headers: { "content-type": "application/json" } };

describe("errorFromResponse", () => {
  const cases: [number, string, new (...a: never[]) => AcpApiError][] = [
    [400, "validation", ValidationError],
    [401, "authentication", AuthenticationError],
    [402, "insufficient_budget", InsufficientBudgetError],
    [403, "permission_denied", PermissionDeniedError],
    [404, "not_found", NotFoundError],
    [409, "conflict", ConflictError],
    [422, "validation", ValidationError],
    [429, "rate_limited", RateLimitError],
    [500, "server_error", ServerError],
    [503, "server_error", ServerError],
    [418, "api_error", AcpApiError],
    [301, "api_error", AcpApiError],
  ];
  it.each(cases)("maps %i to code %s", (status, code, cls) => {
    const err = errorFromResponse(
      status,
      JSON.stringify({ error: "x", message: "boom" }),
      {},
      "GET",
      "/v1/tasks/t1",
    );
    expect(err).toBeInstanceOf(cls);
    expect(err.code).toBe(code);
    expect(err.status).toBe(status);
    expect(AcpApiError.isInstance(err)).toBe(true);
    expect(AcpError.isInstance(err)).toBe(true);
    expect(err.method).toBe("GET");
    expect(err.path).toBe("/v1/tasks/t1");
  });

  it("writes a human message and keeps the parsed body", () => {
    const err = errorFromResponse(
      409,
      JSON.stringify({
        error: "conflict",
        message: "task is blocked by dependencies task_2, task_3",
        reason: "blocked_by_dependencies",
        blockingTaskIds: ["task_2", "task_3"],
      }),
      {},
      "POST",
      "/v1/tasks/task_1/start-thread",
    ) as ConflictError;
    expect(err.message).toBe(
      "ACP API 409 on POST /v1/tasks/task_1/start-thread: task is blocked by dependencies task_2, task_3",
    );
    expect(err.reason).toBe("blocked_by_dependencies");
    expect(err.blockingTaskIds).toEqual(["task_2", "task_3"]);
    expect(err.body).toMatchObject({ error: "conflict" });
  });

  it.each([
    ["task is blocked by incomplete dependencies", "blocked_by_dependencies"],
    ["task already has a thread thr_1", "already_started"],
    ["the task was already started", "already_started"],
    ["other tasks depend on it: task_4", "has_dependents"],
    ["task has dependents", "has_dependents"],
    ["something else", "other"],
  ])("infers the 409 reason from %j", (message, reason) => {
    const err = errorFromResponse(
      409,
      JSON.stringify({ message }),
      {},
      "POST",
      "/p",
    ) as ConflictError;
    expect(err.reason).toBe(reason);
  });

  it("reads threadId, currentBudget, field and Retry-After", () => {
    expect(
      (
        errorFromResponse(
          409,
          JSON.stringify({ reason: "already_started", threadId: "thr_9" }),
          {},
          "POST",
          "/p",
        ) as ConflictError
      ).threadId,
    ).toBe("thr_9");
    expect(
      (
        errorFromResponse(
          402,
          JSON.stringify({ currentBudget: 1.5 }),
          {},
          "POST",
          "/p",
        ) as InsufficientBudgetError
      ).currentBudget,
    ).toBe(1.5);
    expect(
      (
        errorFromResponse(
          422,
          JSON.stringify({ field: "title" }),
          {},
          "POST",
          "/p",
        ) as ValidationError
      ).field,
    ).toBe("title");
    expect(
      (errorFromResponse(429, "", { "retry-after": "2" }, "GET", "/p") as RateLimitError)
        .retryAfterMs,
    ).toBe(2000);
  });

  it("keeps a non-JSON body as text truncated to 2 KB", () => {
    const err = errorFromResponse(502, "<html>" + "x".repeat(5000), {}, "GET", "/p");
    expect(typeof err.body).toBe("string");
    expect((err.body as string).length).toBeLessThan(2100);
    expect(err.message.length).toBeLessThan(400);
  });

  it("isInstance works across a second copy of the module, where instanceof fails", () => {
    let Copy: typeof import("../../provider/client/errors") | undefined;
    jest.isolateModules(() => {
      Copy = jest.requireActual<typeof import("../../provider/client/errors")>(
        "../../provider/client/errors",
      );
    });
    const foreign = new Copy!.NotFoundError({
      status: 404,
      body: undefined,
      method: "GET",
      path: "/p",
      message: "m",
    });
    expect(foreign instanceof NotFoundError).toBe(false);
    expect(NotFoundError.isInstance(foreign)).toBe(true);
    expect(AcpApiError.isInstance(foreign)).toBe(true);
    expect(ConflictError.isInstance(foreign)).toBe(false);
    expect(AcpConnectionError.isInstance(foreign)).toBe(false);
    expect(AcpError.isInstance({ code: "not_found" })).toBe(false);
    expect(AcpError.isInstance(new Error("x"))).toBe(false);
  });
});

describe("statuses over MockAgent", () => {
  it("403 → PermissionDeniedError, not retried", async () => {
    pool()
      .intercept({ path: "/v1/tasks/t1", method: "GET" })
      .reply(403, { error: "forbidden", message: "no access" }, json);
    const err = await client.tasks.retrieve("t1").catch((e: unknown) => e);
    expect(PermissionDeniedError.isInstance(err)).toBe(true);
    expect((err as Error).message).toBe("ACP API 403 on GET /v1/tasks/t1: no access");
    mock.assertNoPendingInterceptors();
  });

  it("301 is not followed: AcpApiError naming the other origin", async () => {
    pool()
      .intercept({ path: "/v1/tasks/t1", method: "GET" })
      .reply(301, "", { headers: { location: "https://elsewhere.example/v1/tasks/t1?sig=abc" } });
    const err = (await client.tasks.retrieve("t1").catch((e: unknown) => e)) as AcpApiError;
    expect(err.code).toBe("api_error");
    expect(err.status).toBe(301);
    expect(err.message).toContain("redirected to https://elsewhere.example");
    expect(err.message).toContain("base URL");
    expect(err.message).not.toContain("sig=abc");
  });

  it("429 with Retry-After: 0 is retried", async () => {
    pool()
      .intercept({ path: "/v1/tasks/t1", method: "GET" })
      .reply(429, { message: "slow down" }, { headers: { "retry-after": "0" } });
    pool()
      .intercept({ path: "/v1/tasks/t1", method: "GET" })
      .reply(200, { task: { id: "t1" } }, json);
    expect((await client.tasks.retrieve("t1")).id).toBe("t1");
  });

  it("a POST is retried on ECONNRESET (it carries an Idempotency-Key)", async () => {
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    pool().intercept({ path: "/v1/tasks", method: "POST" }).replyWithError(reset);
    pool()
      .intercept({ path: "/v1/tasks", method: "POST" })
      .reply(201, { task: { id: "t1", title: "x" } }, json);
    expect((await client.tasks.create({ title: "x" })).id).toBe("t1");
  });

  it("connection errors past the retries: AcpConnectionError with the cause", async () => {
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    pool().intercept({ path: "/v1/tasks/t1", method: "GET" }).replyWithError(reset).times(3);
    const err = (await client.tasks.retrieve("t1").catch((e: unknown) => e)) as AcpConnectionError;
    expect(err.code).toBe("connection");
    expect(err.cause).toBe(reset);
  });

  it("a 204 or 200 delete both resolve", async () => {
    pool().intercept({ path: "/v1/tasks/t1", method: "DELETE" }).reply(204, "");
    pool()
      .intercept({ path: "/v1/tasks/t2", method: "DELETE" })
      .reply(200, { deleted: true }, json);
    await expect(client.tasks.delete("t1")).resolves.toBeUndefined();
    await expect(client.tasks.delete("t2")).resolves.toBeUndefined();
  });
});

describe("response validation", () => {
  it("names the field path, what was expected and what came", async () => {
    pool()
      .intercept({ path: "/v1/tasks/t1", method: "GET" })
      .reply(200, { task: { id: "t1", status: "weird" } }, json);
    const err = await client.tasks.retrieve("t1").catch((e: unknown) => e);
    expect(ResponseValidationError.isInstance(err)).toBe(true);
    expect((err as Error).message).toContain(
      'task.status: expected one of backlog|todo|in_progress|blocked|in_review|done, got "weird"',
    );
  });

  it("names a wrong type", async () => {
    pool()
      .intercept({ path: "/v1/tasks/t1", method: "GET" })
      .reply(200, { task: { id: 7 } }, json);
    await expect(client.tasks.retrieve("t1")).rejects.toThrow("task.id: expected string, got 7");
  });

  it("keeps unknown fields and tolerates missing or null ones", async () => {
    pool()
      .intercept({ path: "/v1/tasks/t1", method: "GET" })
      .reply(200, { task: { id: "t1", title: null, newField: { x: 1 } }, extra: true }, json);
    const task = await client.tasks.retrieve("t1");
    expect(task).toEqual({ id: "t1", title: null, newField: { x: 1 } });
  });

  it("refuses a non-JSON body", async () => {
    pool().intercept({ path: "/v1/tasks/t1", method: "GET" }).reply(200, "<html>oops</html>");
    await expect(client.tasks.retrieve("t1")).rejects.toMatchObject({
      code: "response_validation",
      message: expect.stringContaining("expected a JSON body"),
    });
  });

  it("refuses a body over 10 MiB, even without Content-Length", async () => {
    const big = Buffer.alloc(MAX_RESPONSE_BYTES + 1024, 0x61);
    pool().intercept({ path: "/v1/tasks/t1", method: "GET" }).reply(200, big);
    await expect(client.tasks.retrieve("t1")).rejects.toMatchObject({
      code: "response_validation",
      message: expect.stringContaining("larger than"),
    });
  });

  it("refuses a declared Content-Length over 10 MiB", async () => {
    pool()
      .intercept({ path: "/v1/tasks/t1", method: "GET" })
      .reply(200, "{}", { headers: { "content-length": String(MAX_RESPONSE_BYTES + 1) } });
    await expect(client.tasks.retrieve("t1")).rejects.toMatchObject({
      code: "response_validation",
    });
  });

  it("refuses a repeated nextCursor in listAll", async () => {
    pool()
      .intercept({ path: "/v1/tasks", method: "GET" })
      .reply(200, { tasks: [{ id: "a" }], nextCursor: "c1" }, json);
    pool()
      .intercept({ path: "/v1/tasks?cursor=c1", method: "GET" })
      .reply(200, { tasks: [{ id: "b" }], nextCursor: "c1" }, json);
    const seen: string[] = [];
    const run = async () => {
      for await (const t of client.tasks.listAll()) seen.push(t.id!);
    };
    await expect(run()).rejects.toThrow(/repeated/);
    expect(seen).toEqual(["a", "b"]);
  });
});

describe("secrets", () => {
  it("sends the token only in the Authorization header, per request", async () => {
    let auth: string | undefined;
    pool()
      .intercept({ path: "/v1/tasks/t1", method: "GET" })
      .reply(
        200,
        (opts) => {
          auth = (opts.headers as Record<string, string>)["authorization"];
          return { task: { id: "t1" } };
        },
        json,
      );
    await client.tasks.retrieve("t1");
    expect(auth).toBe(`Bearer ${SECRET_TOKEN}`);
  });

  it("no error of any kind carries the token", async () => {
    pool()
      .intercept({ path: "/v1/tasks/t1", method: "GET" })
      .reply(401, { message: "bad token" }, json);
    pool().intercept({ path: "/v1/tasks/t2", method: "GET" }).reply(200, "nope");
    const errs = [
      await client.tasks.retrieve("t1").catch((e: unknown) => e),
      await client.tasks.retrieve("t2").catch((e: unknown) => e),
    ];
    for (const e of errs) {
      expect(JSON.stringify(e)).not.toContain(SECRET_TOKEN);
      expect(inspect(e, { depth: 10, showHidden: true })).not.toContain(SECRET_TOKEN);
      expect((e as Error).message).not.toContain(SECRET_TOKEN);
    }
  });
});
