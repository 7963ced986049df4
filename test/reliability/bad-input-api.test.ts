/**
 * Bad input that only the API or the connection can reveal: an unknown or cyclic dependency, a
 * thread on a missing or blocked or already started task, no budget, a wrong token, a wrong or
 * unsafe base URL, and a server that answers garbage. Each up fails with an error that the
 * engine attributes to the resource and that names the field or cause and what to do, and the
 * bad resource leaves nothing on the server.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { AcpClient, Task, TaskThread } from "pulumi-acp";
import { E2E_TOKEN, Harness } from "../e2e/harness";
import { failing } from "./bad-input-helpers";
import { recordFigures } from "./figures";

jest.setTimeout(600_000);

describe("bad input caught by the API or the connection", () => {
  let h: Harness;
  let api: AcpClient;
  let fake: http.Server;
  let fakeUrl: string;
  /** How the fake server answers every request. */
  let fakeAnswer: (res: http.ServerResponse) => void = (res) => res.end();
  const results: Array<{ name: string; error: string }> = [];

  const store = () => h.emulator.snapshot();
  const setConfig = (key: string, value: string, secret = false) =>
    h.stack.setConfig(key, { value, secret });

  beforeAll(async () => {
    h = await Harness.create({
      program: async () => ({}),
      // Few, fast retries: the persistent-failure cases are about the message, not the wait.
      config: { "acp:maxRetries": { value: "1" }, "acp:timeoutMs": { value: "5000" } },
    });
    api = new AcpClient({ baseUrl: h.baseUrl, token: E2E_TOKEN });
    fake = http.createServer((req, res) => {
      req.resume();
      fakeAnswer(res);
    });
    await new Promise<void>((r) => fake.listen(0, "127.0.0.1", r));
    fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    recordFigures("bad-input-api", { cases: results.length, results });
    await api?.close();
    await new Promise((r) => fake.close(r));
    await h?.cleanup();
  });
  afterEach(async () => {
    // Back to a known place: right config, nothing in the state, an empty server.
    await setConfig("acp:baseUrl", h.baseUrl);
    await setConfig("acp:token", E2E_TOKEN, true);
    h.emulator.setFaults(undefined);
    h.emulator.setBudget(100);
    h.setProgram(async () => ({}));
    await h.up();
    h.emulator.reset();
    h.emulator.resetStats();
  });

  /** Runs an up that must fail for resource "bad"; checks and records its error. */
  const expectRefused = async (name: string, patterns: RegExp[]): Promise<string> => {
    const failure = await failing(h, "up", "bad");
    expect(failure.resourceErrors).not.toBe("");
    for (const p of patterns) expect(failure.resourceErrors).toMatch(p);
    // Whatever the cause, the token is not part of the story.
    expect(failure.message).not.toContain(E2E_TOKEN);
    results.push({ name, error: failure.resourceErrors });
    return failure.resourceErrors;
  };
  const oneBadTask =
    (title = "Bad") =>
    async () => {
      new Task("bad", { title });
      return {};
    };
  const noBadTask = () => expect(store().tasks.some((t) => t.title === "Bad")).toBe(false);

  it("a dependency on an unknown id: 422 naming dependencyIds and the id", async () => {
    h.setProgram(async () => {
      new Task("bad", { title: "Bad", dependencyIds: ["task_doesnotexist"] });
      return {};
    });
    await expectRefused("unknown dependency", [
      /dependencyIds/,
      /task_doesnotexist/,
      /creating task "Bad"/,
    ]);
    noBadTask();
  });

  it("a dependency cycle made by an update: 422 naming the cycle; the task is unchanged", async () => {
    const graph = async () => {
      const a = new Task("bad", { title: "A" });
      const b = new Task("b", { title: "B", dependencyIds: [a.id] });
      return { a: a.id, b: b.id };
    };
    h.setProgram(graph);
    const { outputs } = await h.up();
    h.setProgram(async () => {
      new Task("bad", { title: "A", dependencyIds: [outputs.b as string] });
      new Task("b", { title: "B", dependencyIds: [outputs.a as string] });
      return {};
    });
    await expectRefused("dependency cycle", [
      /dependencyIds/,
      /cycle/,
      new RegExp(outputs.a as string),
    ]);
    expect(store().tasks.find((t) => t.id === outputs.a)?.dependencyIds).toEqual([]);
    // Ids given as plain strings hide the order from the engine, which would then delete both
    // tasks at once (and the API refuses to delete a task others depend on): an up of the
    // original program records the dependency again, so that cleanup deletes B before A.
    h.setProgram(graph);
    await h.up();
  });

  it("a thread on a missing task: names taskId and the id", async () => {
    h.setProgram(async () => {
      new TaskThread("bad", { taskId: "task_missing" });
      return {};
    });
    await expectRefused("thread on a missing task", [/taskId/, /task_missing/]);
    expect(store().threads).toHaveLength(0);
  });

  it("402: a run with too little budget names the budget; no thread", async () => {
    h.emulator.setBudget(0);
    h.setProgram(async () => {
      const t = new Task("t", { title: "T" });
      new TaskThread("bad", { taskId: t.id, mode: "run", message: "go" });
      return {};
    });
    await expectRefused("402 insufficient budget", [
      /402/,
      /budget/,
      /current budget 0|currentBudget|0 USD/,
    ]);
    expect(store().threads).toHaveLength(0);
  });

  it("409 blocked, with onBlocked fail: answers at once, naming the blocking task", async () => {
    h.setProgram(async () => {
      const dep = new Task("dep", { title: "Dep", status: "todo" });
      const t = new Task("t", { title: "T", dependencyIds: [dep.id] });
      new TaskThread("bad", { taskId: t.id, onBlocked: "fail" });
      return { dep: dep.id };
    });
    const started = Date.now();
    const error = await expectRefused("409 blocked without waiting", [/409|blocked/i, /depend/i]);
    const depId = store().tasks.find((t) => t.title === "Dep")?.id as string;
    expect(error).toContain(depId);
    // Far below the default wait (600 s): the provider did not wait for the dependency.
    expect(Date.now() - started).toBeLessThan(120_000);
    expect(store().threads).toHaveLength(0);
  });

  it("409 already started: names the existing thread", async () => {
    h.setProgram(async () => {
      const t = new Task("t", { title: "T" });
      return { id: t.id };
    });
    const { outputs } = await h.up();
    const { thread } = await api.tasks.startThread(outputs.id as string);
    h.setProgram(async () => {
      const t = new Task("t", { title: "T" });
      new TaskThread("bad", { taskId: t.id });
      return { id: t.id };
    });
    await expectRefused("409 already started", [/already/i, new RegExp(thread.id as string)]);
    expect(store().threads).toHaveLength(1);
  });

  it("a wrong token: 401 saying where the token is set", async () => {
    await setConfig("acp:token", "not-the-token", true);
    h.setProgram(oneBadTask());
    await expectRefused("wrong token", [/401/, /acp:token or ACP_API_TOKEN/]);
    noBadTask();
  });

  it("no token at all: names acp:token and ACP_API_TOKEN", async () => {
    await h.stack.removeConfig("acp:token");
    h.setProgram(oneBadTask());
    await expectRefused("missing token", [/no ACP API token/, /acp:token/, /ACP_API_TOKEN/]);
    expect(h.emulator.stats().totalRequests).toBe(0);
  });

  it("a base URL where nothing listens: names the origin", async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await setConfig("acp:baseUrl", `http://127.0.0.1:${port}`);
    h.setProgram(oneBadTask());
    await expectRefused("unreachable base URL", [
      new RegExp(`could not reach the ACP API at http://127.0.0.1:${port}`),
      /ECONNREFUSED/,
    ]);
    noBadTask();
  });

  it("a base URL with a wrong path: 404 pointing at acp:baseUrl", async () => {
    await setConfig("acp:baseUrl", `${h.baseUrl}/api`);
    h.setProgram(oneBadTask());
    await expectRefused("wrong base URL path", [/404/, /acp:baseUrl/]);
    noBadTask();
  });

  it.each([
    ["not a URL", "api.example.com/v1", /not a valid URL/],
    [
      "http:// to a non-loopback host",
      "http://api.example.com",
      /refusing plain http:\/\/ to api.example.com/,
    ],
    ["an ftp:// URL", "ftp://127.0.0.1", /must use https/],
    ["credentials in the URL", "https://user:pw@api.example.com", /must not contain credentials/],
  ])("a base URL that is %s: refused before anything is sent", async (name, url, pattern) => {
    await setConfig("acp:baseUrl", url);
    h.setProgram(oneBadTask());
    const error = await expectRefused(`base URL: ${name}`, [pattern, /acp:baseUrl/]);
    expect(error).not.toContain("pw@");
    expect(h.emulator.stats().totalRequests).toBe(0);
  });

  it.each([
    [
      "a body that is not JSON",
      (res: http.ServerResponse) => {
        res.writeHead(201, { "content-type": "text/html" });
        res.end("<html>gateway</html>");
      },
      [/expected a JSON body/, /POST \/v1\/tasks/],
    ],
    [
      "a task of the wrong shape",
      (res: http.ServerResponse) => {
        res.writeHead(201, { "content-type": "application/json" });
        res.end(JSON.stringify({ task: { id: 42, title: ["x"] } }));
      },
      [/unexpected response/, /id/],
    ],
    [
      "an oversized body (11 MiB)",
      (res: http.ServerResponse) => {
        res.writeHead(201, { "content-type": "application/json" });
        res.end(`{"task":{"id":"t","title":"${"x".repeat(11 * 1024 * 1024)}"}}`);
      },
      [/larger than 10485760 bytes/, /refused/],
    ],
  ] as const)(
    "a server answering %s: refused, naming the route",
    async (name, answer, patterns) => {
      fakeAnswer = answer;
      await setConfig("acp:baseUrl", fakeUrl);
      h.setProgram(oneBadTask());
      await expectRefused(`malformed response: ${name}`, [...patterns]);
      noBadTask();
    },
  );

  it("a server failing every request with 503: the error says so after the retries", async () => {
    h.emulator.setFaults({ errorRate: 1, errorStatus: 503 });
    h.setProgram(oneBadTask());
    await expectRefused("persistent 503", [/503/, /creating task "Bad"/]);
    h.emulator.setFaults(undefined);
    noBadTask();
  });

  it("a server rate-limiting every request: the error names the 429", async () => {
    h.emulator.setFaults({ rateLimitRate: 1, retryAfterSeconds: 0 });
    h.setProgram(oneBadTask());
    await expectRefused("persistent 429", [/429/, /creating task "Bad"/]);
    h.emulator.setFaults(undefined);
    noBadTask();
  });
});
