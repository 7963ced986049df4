/**
 * Every operation of both resource kinds, through the core that both front doors call
 * (`providerCore`), against a server that echoes the token in every answer: the errors the
 * engine would print carry the token nowhere — not in the message, the stack, the cause chain,
 * `JSON.stringify` or `util.inspect`. check's failures never quote a value a program passed.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { providerCore } from "../../provider/core";
import { configureCoreFor } from "./helpers";

const TOKEN = "tok_PROVIDER_ECHO_7d1c9e2fb0a4";
const b64 = (s: string) => Buffer.from(s).toString("base64");
const NEEDLES = [
  TOKEN,
  b64(TOKEN),
  ...Array.from({ length: TOKEN.length - 11 }, (_, i) => TOKEN.slice(i, i + 12)),
];

/** What the server answers: the same echo to every request, changed per test. */
let answer: (req: http.IncomingMessage, res: http.ServerResponse) => void;
let server: http.Server;

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};

const ECHOES: Record<string, (req: http.IncomingMessage, res: http.ServerResponse) => void> = {
  "error bodies": (_req, res) =>
    json(res, 422, { error: TOKEN, message: `bad ${TOKEN} ${b64(TOKEN)}`, field: TOKEN }),
  "fields of the wrong type": (_req, res) =>
    json(res, 200, {
      task: { id: "task_1", title: "t", sortOrder: TOKEN, metadata: TOKEN },
      thread: { id: "thr_1", messageCount: TOKEN },
      run: { id: "run_1", status: TOKEN, output: 7 },
    }),
  "a body that is not JSON": (_req, res) => {
    res.writeHead(200);
    res.end(`${TOKEN} is not JSON`);
  },
  "402 and 409 with the token": (req, res) =>
    req.url?.includes("thread")
      ? json(res, 402, { error: "insufficient_budget", message: TOKEN, currentBudget: TOKEN })
      : json(res, 409, { error: "conflict", message: TOKEN, reason: TOKEN }),
};

function leaks(err: unknown): string[] {
  const places: Record<string, string> = {
    inspect: inspect(err, { depth: Infinity, showHidden: true }),
    json: JSON.stringify(err) ?? "",
  };
  let e: unknown = err;
  for (let i = 0; e && i < 10; i++, e = (e as { cause?: unknown }).cause) {
    places[`message#${i}`] = String((e as Error).message);
    places[`stack#${i}`] = String((e as Error).stack);
  }
  return Object.entries(places).flatMap(([where, text]) =>
    NEEDLES.filter((n) => text.includes(n)).map((n) => `${where}: ${n}`),
  );
}

const task = () => providerCore("task");
const thread = () => providerCore("taskThread");
const plainThread = () => providerCore("thread");
const agentRun = () => providerCore("agentRun");
/** Every operation that talks to the API, of every kind. */
const OPERATIONS: Record<string, () => Promise<unknown>> = {
  "Task create": () => task().create({ title: "t" } as never, { resourceKey: "p/s/t" }),
  "Task read": () => task().read("task_1", { title: "t" }),
  "Task update": () =>
    task().update(
      "task_1",
      { title: "t", managedFields: ["title"] } as never,
      { title: "u" } as never,
    ),
  "Task delete": () => task().delete("task_1"),
  "TaskThread create (start)": () =>
    thread().create({ taskId: "task_1", mode: "start" } as never, { resourceKey: "p/s/th" }),
  "TaskThread create (run)": () =>
    thread().create({ taskId: "task_1", mode: "run", message: "m" } as never, {
      resourceKey: "p/s/tr",
    }),
  "TaskThread read": () => thread().read("thr_1", { taskId: "task_1", mode: "start" }),
  "TaskThread update": () =>
    thread().update(
      "thr_1",
      { taskId: "task_1", mode: "start", title: "a" } as never,
      { taskId: "task_1", mode: "start", title: "b" } as never,
    ),
  "TaskThread delete": () => thread().delete("thr_1"),
  "Thread create": () =>
    plainThread().create({ content: "m", title: "t" } as never, { resourceKey: "p/s/thr" }),
  "Thread read": () => plainThread().read("thr_1", { content: "m" }),
  "Thread update": () =>
    plainThread().update("thr_1", { title: "a" } as never, { title: "b" } as never),
  "Thread delete": () => plainThread().delete("thr_1"),
  "AgentRun create": () =>
    agentRun().create({ serverId: "srv_1", prompt: "p" } as never, { resourceKey: "p/s/run" }),
  "AgentRun read": () => agentRun().read("run_1", { serverId: "srv_1", prompt: "p" }),
  "AgentRun update (waits for a run recorded unfinished)": () =>
    agentRun().update(
      "run_1",
      { serverId: "srv_1", prompt: "p", status: "running", waitTimeoutSeconds: 1 } as never,
      { serverId: "srv_1", prompt: "p", waitTimeoutSeconds: 1 } as never,
    ),
};

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => answer(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  configureCoreFor(`http://127.0.0.1:${port}`, TOKEN);
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const cases = Object.keys(OPERATIONS).flatMap((op) =>
  Object.keys(ECHOES).map((echo) => ({ op, echo })),
);

describe("the provider core's choke point", () => {
  it.each(cases)("$op: $echo", async ({ op, echo }) => {
    answer = ECHOES[echo];
    let caught: unknown;
    try {
      await OPERATIONS[op]();
    } catch (err) {
      caught = err;
    }
    // Error answers fail every operation; a 2xx of the wrong shape fails all but delete.
    if (echo !== "fields of the wrong type" && echo !== "a body that is not JSON") {
      expect(caught).toBeInstanceOf(Error);
    } else if (!op.endsWith("delete")) {
      expect(caught).toBeInstanceOf(Error);
    }
    if (caught !== undefined) expect(leaks(caught)).toEqual([]);
  });

  it("names check's failures without quoting the value a program passed", async () => {
    const result = (await task().check(
      {},
      { title: 42, description: TOKEN, sortOrder: TOKEN },
    )) as {
      failures?: { property: string; reason: string }[];
    };
    expect(result.failures?.map((f) => f.property)).toContain("sortOrder");
    // The inputs are the program's own; the reasons never quote a value back.
    expect(JSON.stringify(result.failures)).not.toContain(TOKEN.slice(0, 12));
  });
});
