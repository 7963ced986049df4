/**
 * A hostile server that echoes the bearer token in every place it can — fields of every type
 * in a 2xx answer, a body that is not JSON, error bodies (values, keys, nested), raw error text
 * cut in the middle of the token, headers (`Retry-After`, a 3xx `Location`), the token's Base64,
 * URL-encoded and JSON-escaped forms — against every client method. The token must come out
 * nowhere: not in the message, the stack, the cause chain, `body`, `JSON.stringify(error)` or
 * `util.inspect(error)`. The last test shows the raw formatter does quote it, so a code path
 * that bypassed the choke point (provider/client/redact.ts) would fail here.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { z } from "zod";
import {
  AcpClient,
  REDACTED,
  redactError,
  redactor,
  secretForms,
  Task,
} from "../../provider/client";
import { describeIssues } from "../../provider/client/issues";

/** Long and distinctive, with characters that JSON and URLs escape. */
const TOKEN = 'tok_ECHO/"9f3a+7c1e=5b2d\\x41aa';
const b64 = (s: string) => Buffer.from(s).toString("base64");
/**
 * What must never appear: the token, the obvious encodings of it, and any 12 characters of it
 * in a row (what is left of a token cut by a preview or a truncated body).
 */
const NEEDLES = [
  JSON.stringify(TOKEN).slice(1, -1),
  encodeURIComponent(TOKEN),
  b64(TOKEN),
  b64(`Bearer ${TOKEN}`).slice(8, 40),
  ...Array.from({ length: TOKEN.length - 11 }, (_, i) => TOKEN.slice(i, i + 12)),
];

/** Every form of the token a server may send back, in one string. */
const ECHOES = [
  TOKEN,
  `Bearer ${TOKEN}`,
  JSON.stringify(TOKEN).slice(1, -1),
  encodeURIComponent(TOKEN),
  b64(TOKEN),
  b64(`user:${TOKEN}`),
  b64(`xx${TOKEN}`),
].join(" | ");

type Scenario = (res: http.ServerResponse) => void;
const json = (res: http.ServerResponse, status: number, body: unknown, headers = {}) => {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
};
/** Fields of every envelope, each of a type the schema refuses, each carrying the token. */
const WRONG_TYPES = {
  serverId: [TOKEN],
  task: {
    id: TOKEN,
    title: [ECHOES],
    sortOrder: TOKEN,
    metadata: TOKEN,
    dependencyIds: ECHOES,
    status: ECHOES,
  },
  tasks: ECHOES,
  nextCursor: { [TOKEN]: TOKEN },
  thread: { id: TOKEN, messageCount: ECHOES, teamExecution: TOKEN },
  run: { id: TOKEN, status: ECHOES, threadBacked: TOKEN },
  events: TOKEN,
  subtasks: ECHOES,
  execution: TOKEN,
};

/** The scenarios, each answering every request; `throws` says whether every method must fail. */
const SCENARIOS: Record<string, { answer: Scenario; throws: "always" | "when-parsed" }> = {
  "2xx with every field of the wrong type": {
    answer: (res) => json(res, 200, WRONG_TYPES),
    throws: "when-parsed",
  },
  "2xx that is not JSON, starting with the token": {
    answer: (res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(`${TOKEN} and then ${ECHOES}`);
    },
    throws: "when-parsed",
  },
  "4xx error body with the token in values, keys and nested": {
    answer: (res) =>
      json(res, 422, {
        error: TOKEN,
        message: `bad token ${ECHOES}`,
        field: TOKEN,
        details: { [TOKEN]: [{ echo: ECHOES, n: 1 }] },
      }),
    throws: "always",
  },
  "409 with the token as the reason": {
    answer: (res) => json(res, 409, { error: "conflict", message: ECHOES, reason: TOKEN }),
    throws: "always",
  },
  "402 with the token as the budget": {
    answer: (res) =>
      json(res, 402, { error: "insufficient_budget", message: ECHOES, currentBudget: TOKEN }),
    throws: "always",
  },
  "a raw error body cut in the middle of the token": {
    answer: (res) => {
      res.writeHead(500, { "content-type": "text/html" });
      // The client keeps 2048 characters of a raw body: the cut falls inside the token.
      res.end(`${"x".repeat(2048 - 16)}${TOKEN}${TOKEN}`);
    },
    throws: "always",
  },
  "a 503 whose Retry-After and headers carry the token": {
    answer: (res) => {
      res.writeHead(503, {
        "retry-after": TOKEN.replace(/[^\x21-\x7e]/g, ""),
        "x-echo": b64(TOKEN),
      });
      res.end(`unavailable: ${ECHOES}`);
    },
    throws: "always",
  },
  "a 3xx whose Location carries the token": {
    answer: (res) => {
      res.writeHead(302, {
        location: `https://elsewhere.example/?t=${encodeURIComponent(TOKEN)}&b=${b64(TOKEN)}`,
      });
      res.end();
    },
    throws: "always",
  },
  "an error body over the size limit, ending in the token": {
    answer: (res) => {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(`{"error":"big","message":"${"y".repeat(11 << 20)}${TOKEN}"}`);
    },
    throws: "always",
  },
};

/** Every client method, with arguments; `parses` when a 2xx body is read. */
const METHODS: Record<string, { call: (c: AcpClient) => Promise<unknown>; parses: boolean }> = {
  "tasks.create": { call: (c) => c.tasks.create({ title: "t" }), parses: true },
  "tasks.retrieve": { call: (c) => c.tasks.retrieve("task_1"), parses: true },
  "tasks.update": { call: (c) => c.tasks.update("task_1", { title: "u" }), parses: true },
  "tasks.delete": { call: (c) => c.tasks.delete("task_1"), parses: false },
  "tasks.list": { call: (c) => c.tasks.list({ projectId: "p" }), parses: true },
  "tasks.listAll": {
    call: async (c) => {
      for await (const t of c.tasks.listAll({ projectId: "p" })) void t;
    },
    parses: true,
  },
  "tasks.startThread": { call: (c) => c.tasks.startThread("task_1", {}), parses: true },
  "tasks.runThread": { call: (c) => c.tasks.runThread("task_1", { message: "m" }), parses: true },
  "threads.create": { call: (c) => c.threads.create({ title: "t" }), parses: true },
  "threads.retrieve": { call: (c) => c.threads.retrieve("thr_1"), parses: true },
  "threads.update": { call: (c) => c.threads.update("thr_1", { title: "t" }), parses: true },
  "threads.delete": { call: (c) => c.threads.delete("thr_1"), parses: false },
  "runs.create": { call: (c) => c.runs.create("srv_1", { prompt: "p" }), parses: true },
  "runs.retrieve": { call: (c) => c.runs.retrieve("srv_1", "run_1"), parses: true },
  "runs.waitForCompletion": {
    call: (c) =>
      c.runs.waitForCompletion("srv_1", "run_1", { timeoutMs: 2_000, pollIntervalMs: 5 }),
    parses: true,
  },
};

/** Every place an error's text can reach a user, a log or a state file. */
function surfaces(err: unknown): Record<string, string> {
  const out: Record<string, string> = {
    inspect: inspect(err, { depth: Infinity, showHidden: true }),
    json: JSON.stringify(err) ?? "",
    string: String(err),
  };
  let e: unknown = err;
  for (let i = 0; e && i < 10; i++, e = (e as { cause?: unknown }).cause) {
    const rec = e as { message?: unknown; stack?: unknown; body?: unknown };
    out[`message#${i}`] = String(rec.message);
    out[`stack#${i}`] = String(rec.stack);
    out[`body#${i}`] = JSON.stringify(rec.body) ?? "";
  }
  return out;
}

function leaks(err: unknown): string[] {
  return Object.entries(surfaces(err)).flatMap(([where, text]) =>
    NEEDLES.filter((n) => text.includes(n)).map((n) => `${where}: ${JSON.stringify(n)}`),
  );
}

let scenario: Scenario = SCENARIOS["2xx with every field of the wrong type"].answer;
let server: http.Server;
let client: AcpClient;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => scenario(res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  client = new AcpClient({
    baseUrl: `http://127.0.0.1:${port}`,
    token: TOKEN,
    maxRetries: 0,
    timeoutMs: 10_000,
  });
});
afterAll(async () => {
  await client.close();
  await new Promise((resolve) => server.close(resolve));
});

const cases = Object.entries(METHODS).flatMap(([method, m]) =>
  Object.entries(SCENARIOS).map(([name, s]) => ({ method, name, m, s })),
);

describe("the token never leaves the client in an error", () => {
  it.each(cases)("$method: $name", async ({ m, s }) => {
    scenario = s.answer;
    let caught: unknown;
    try {
      await m.call(client);
    } catch (err) {
      caught = err;
    }
    if (s.throws === "always" || m.parses) expect(caught).toBeInstanceOf(Error);
    if (caught !== undefined) expect(leaks(caught)).toEqual([]);
  });
});

describe("the choke point", () => {
  it("would be needed: the raw formatter quotes the echoed token", () => {
    const parsed = z.object({ task: Task }).safeParse(WRONG_TYPES, { reportInput: true });
    expect(parsed.success).toBe(false);
    const raw = describeIssues(parsed.error!.issues);
    expect(raw).toContain(JSON.stringify(TOKEN).slice(1, 20));
    const redacted = redactError(new Error(raw), [TOKEN]);
    expect(leaks(redacted)).toEqual([]);
    expect(redacted.message).toContain(REDACTED);
  });

  it("removes every form and any piece of 12 characters or more, and nothing else", () => {
    const redact = redactor([TOKEN]);
    for (const form of secretForms(TOKEN)) expect(redact(`a ${form} b`)).toBe(`a ${REDACTED} b`);
    expect(redact(`cut: ${TOKEN.slice(0, 12)}…`)).toBe(`cut: ${REDACTED}…`);
    expect(redact(`${TOKEN.slice(-13)} tail`)).toBe(`${REDACTED} tail`);
    // The words of a message are not pieces of a token that contains them.
    expect(redactor(["redirect-secret-1x"])("the API redirected")).toBe("the API redirected");
    expect(redact("nothing secret here, tok_ECH")).toBe("nothing secret here, tok_ECH");
    // A short secret is removed only whole.
    expect(redactor(["abc"])("abcd ab abc")).toBe(`${REDACTED}d ab ${REDACTED}`);
    expect(redactor([undefined, ""])("text")).toBe("text");
  });

  it("keeps the error's class, code and fields, and redacts the cause chain and members", () => {
    const inner = new Error(`inner ${TOKEN}`);
    const agg = new AggregateError([new Error(b64(TOKEN))], `agg ${TOKEN}`, { cause: inner });
    const outer = Object.assign(
      new RangeError(`outer ${encodeURIComponent(TOKEN)}`, { cause: agg }),
      {
        code: "x",
        body: { list: [TOKEN], [TOKEN]: 1, n: 2 },
      },
    );
    const out = redactError(outer, [TOKEN]);
    expect(out).toBe(outer);
    expect(out).toBeInstanceOf(RangeError);
    expect(out.code).toBe("x");
    expect(out.body).toEqual({ list: [REDACTED], [REDACTED]: 1, n: 2 });
    expect(leaks(out)).toEqual([]);
    expect(inspect(agg.errors, { depth: 5 })).not.toContain(b64(TOKEN));
  });
});
