/**
 * The emulator under abuse: malformed JSON, wrong content types, huge and deeply nested
 * bodies, unknown routes and methods, garbage on the socket, badly encoded ids, and many
 * concurrent writers. Every bad request gets a clear 4xx JSON answer; the server never
 * crashes, never answers 5xx, and its store stays consistent.
 */
import * as http from "node:http";
import * as net from "node:net";
import { createEmulator, type Emulator } from "pulumi-acp/emulator";
import { recordFigures } from "./figures";

jest.setTimeout(120_000);

const TOKEN = "robustness-token";

/** One answer: status, parsed JSON body (or the text), and whether the connection was cut. */
interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

describe("the emulator under abuse", () => {
  let emulator: Emulator;
  let url: URL;
  const tried: string[] = [];

  /** Sends a raw request with full control of headers and body. */
  const raw = (
    method: string,
    path: string,
    body?: string | Buffer,
    headers: Record<string, string> = {},
  ): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          method,
          path,
          agent: false,
          headers: { authorization: `Bearer ${TOKEN}`, ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let parsed: unknown;
            try {
              parsed = JSON.parse(text);
            } catch {
              parsed = undefined;
            }
            resolve({ status: res.statusCode ?? 0, body: parsed, text });
          });
        },
      );
      req.on("error", reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  const json = (method: string, path: string, body: unknown) =>
    raw(method, path, JSON.stringify(body), { "content-type": "application/json" });

  /** A 4xx with the API's error body `{ error, message }`, the message in words. */
  const expectClear4xx = (a: Answer, status: number, message?: RegExp) => {
    expect(a.status).toBe(status);
    expect(typeof a.body?.error).toBe("string");
    expect(typeof a.body?.message).toBe("string");
    if (message) expect(a.body.message).toMatch(message);
  };
  /** The server still works: a create and a list answer normally. */
  const expectAlive = async () => {
    expect((await json("POST", "/v1/tasks", { title: "alive" })).status).toBe(201);
    expect((await raw("GET", "/v1/tasks?limit=1")).status).toBe(200);
  };

  let taskId: string;
  beforeAll(async () => {
    emulator = createEmulator({ token: TOKEN });
    url = new URL(await emulator.listen(0));
    taskId = (await json("POST", "/v1/tasks", { title: "target" })).body.task.id;
  });
  afterAll(async () => {
    const stats = emulator.stats();
    const serverErrors = Object.values(stats.requests)
      .flatMap((byStatus) => Object.entries(byStatus))
      .filter(([status]) => status.startsWith("5"))
      .reduce((n, [, count]) => n + count, 0);
    recordFigures("emulator-robustness", {
      badRequestsTried: tried.length,
      requestsAnswered: stats.totalRequests,
      serverErrors,
    });
    await emulator.close();
  });

  const writeRoutes = () => [
    ["POST", "/v1/tasks"],
    ["PATCH", `/v1/tasks/${taskId}`],
    ["POST", `/v1/tasks/${taskId}/start-thread`],
    ["POST", `/v1/tasks/${taskId}/run-thread`],
    ["POST", "/v1/threads"],
    ["POST", "/v1/servers/srv_1/runs"],
  ];

  it.each(['{"title": ', "{title: 'x'}", '{"title":"x",}', "\u0000\u0001", '"unterminated'])(
    "malformed JSON %j: 400 on every write route",
    async (body) => {
      for (const [method, path] of writeRoutes()) {
        tried.push(`malformed ${method} ${path}`);
        expectClear4xx(
          await raw(method, path, body, { "content-type": "application/json" }),
          400,
          /malformed JSON/,
        );
      }
      await expectAlive();
    },
  );

  it.each([
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/xml",
    "",
  ])("content type %j with a body: 415 naming it", async (contentType) => {
    for (const [method, path] of writeRoutes()) {
      tried.push(`content-type ${contentType} ${method} ${path}`);
      const headers: Record<string, string> = contentType ? { "content-type": contentType } : {};
      const a = await raw(method, path, '{"title":"x"}', headers);
      expectClear4xx(a, 415);
    }
    await expectAlive();
  });

  it("JSON that is not an object (array, number, null, string): 422, nothing created", async () => {
    const before = emulator.snapshot().tasks.length;
    for (const body of ["[]", "42", "null", '"title"', "true"]) {
      tried.push(`non-object ${body}`);
      const a = await raw("POST", "/v1/tasks", body, { "content-type": "application/json" });
      expect([400, 422]).toContain(a.status);
      expect(typeof a.body?.message).toBe("string");
    }
    expect(emulator.snapshot().tasks.length).toBe(before);
  });

  it("huge bodies: 413 past 1 MiB, the connection closed past 16 MiB, no crash", async () => {
    tried.push("2 MiB body", "20 MiB body");
    const big = JSON.stringify({ title: "x", description: "y".repeat(2 * 1024 * 1024) });
    expectClear4xx(
      await raw("POST", "/v1/tasks", big, { "content-type": "application/json" }),
      413,
      /larger than/,
    );
    const huge = Buffer.alloc(20 * 1024 * 1024, 0x61);
    const answer = await raw("POST", "/v1/tasks", huge, {
      "content-type": "application/json",
    }).catch((err: NodeJS.ErrnoException) => ({
      status: 0,
      body: undefined,
      text: String(err.code),
    }));
    // Either the 413 arrives before the socket closes, or the socket is cut while we still send.
    expect([413, 0]).toContain(answer.status);
    if (answer.status === 0) expect(answer.text).toMatch(/EPIPE|ECONNRESET/);
    await expectAlive();
  });

  it("deeply nested JSON and huge metadata: a clear answer, not a crash", async () => {
    tried.push("nested 100000", "metadata 5000 keys");
    const nested = `{"title":"n","metadata":{"a":${"[".repeat(100_000)}${"]".repeat(100_000)}}}`;
    const before = emulator.snapshot().tasks.length;
    const a = await raw("POST", "/v1/tasks", nested, { "content-type": "application/json" });
    expectClear4xx(a, 400, /nested deeper than/);
    // Refused whole: not kept in the store, which can still be copied and listed.
    expect(emulator.snapshot().tasks.length).toBe(before);
    const wide = {
      title: "w",
      metadata: Object.fromEntries([...Array(5000)].map((_, i) => [`k${i}`, i])),
    };
    expect((await json("POST", "/v1/tasks", wide)).status).toBeLessThan(500);
    await expectAlive();
  });

  it("unknown routes and methods: 404 as JSON, before and after authentication", async () => {
    const cases: Array<[string, string]> = [
      ["GET", "/"],
      ["GET", "/v2/tasks"],
      ["GET", "/v1/unknown"],
      ["DELETE", "/v1/tasks"],
      ["PUT", `/v1/tasks/${taskId}`],
      ["POST", `/v1/tasks/${taskId}/unknown`],
      ["GET", "/v1/tasks/a/b/c/d"],
      ["OPTIONS", "/v1/tasks"],
      ["GET", "/__emulator/nothing"],
    ];
    for (const [method, path] of cases) {
      tried.push(`route ${method} ${path}`);
      const a = await raw(method, path);
      expect([401, 404, 405]).toContain(a.status);
      expect(typeof a.body?.message).toBe("string");
    }
    await expectAlive();
  });

  it("badly encoded and odd ids: 4xx, never 500", async () => {
    for (const path of [
      "/v1/tasks/%E0%A4%A",
      "/v1/tasks/%",
      "/v1/tasks/..%2F..%2Fetc",
      `/v1/tasks/${"x".repeat(4000)}`,
    ]) {
      tried.push(`id ${path.slice(0, 40)}`);
      const a = await raw("GET", path);
      expect(a.status).toBeGreaterThanOrEqual(400);
      expect(a.status).toBeLessThan(500);
    }
    await expectAlive();
  });

  it("garbage on the socket and oversized headers: 400, and the server goes on", async () => {
    tried.push("raw garbage", "64 KiB header");
    const garbage = await new Promise<string>((resolve) => {
      const socket = net.connect(Number(url.port), url.hostname, () =>
        socket.end("NOT HTTP AT ALL\r\n\r\n"),
      );
      let text = "";
      socket.on("data", (d) => (text += d.toString()));
      socket.on("close", () => resolve(text));
      socket.on("error", () => resolve(text));
    });
    expect(garbage).toMatch(/^HTTP\/1\.1 400/);
    const bigHeader = await raw("GET", "/v1/tasks", undefined, {
      "x-big": "a".repeat(64 * 1024),
    }).catch(() => ({ status: 0, body: undefined, text: "" }));
    expect([0, 400, 431]).toContain(bigHeader.status);
    await expectAlive();
  });

  it("many concurrent writers: every write answered, no 5xx, the store consistent", async () => {
    emulator.resetStats();
    const before = emulator.snapshot().tasks.length;
    const creates = [...Array(60)].map((_, i) => json("POST", "/v1/tasks", { title: `c${i}` }));
    const patches = [...Array(40)].map((_, i) =>
      json("PATCH", `/v1/tasks/${taskId}`, { sortOrder: i, description: `d${i}` }),
    );
    // One Idempotency-Key sent 20 times at once: one task, 20 identical answers.
    const keyed = [...Array(20)].map(() =>
      raw("POST", "/v1/tasks", JSON.stringify({ title: "once" }), {
        "content-type": "application/json",
        "idempotency-key": "robustness-once",
      }),
    );
    const answers = await Promise.all([...creates, ...patches, ...keyed]);
    tried.push("120 concurrent writes");
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    expect(answers.slice(0, 60).every((a) => a.status === 201)).toBe(true);
    expect(answers.slice(60, 100).every((a) => a.status === 200)).toBe(true);
    const keyedIds = new Set(answers.slice(100).map((a) => a.body.task.id));
    expect(keyedIds.size).toBe(1);
    const tasks = emulator.snapshot().tasks;
    expect(tasks.length).toBe(before + 61);
    expect(tasks.filter((t) => t.title === "once")).toHaveLength(1);
    // The last PATCH applied wholly: sortOrder and description from the same request.
    const target = tasks.find((t) => t.id === taskId)!;
    expect(target.description).toBe(`d${target.sortOrder}`);

    // Concurrent deletes of the same tasks: one 204 each, the rest 404, nothing left.
    const ids = answers.slice(0, 60).map((a) => a.body.task.id as string);
    const deletes = await Promise.all(
      [...ids, ...ids].map((id) => raw("DELETE", `/v1/tasks/${id}`)),
    );
    expect(deletes.filter((a) => a.status >= 500)).toEqual([]);
    expect(deletes.filter((a) => a.status === 204 || a.status === 200)).toHaveLength(60);
    expect(deletes.filter((a) => a.status === 404)).toHaveLength(60);
    expect(emulator.snapshot().tasks.filter((t) => ids.includes(t.id as string))).toEqual([]);
  });
});
