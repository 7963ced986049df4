import { spawn } from "node:child_process";
import type { IncomingMessage } from "node:http";
import * as path from "node:path";
import { Writable } from "node:stream";
import { createEmulator, type Emulator, type EmulatorOptions } from "../../emulator";
import { ROUTES } from "../../provider/client";
import { runDoctor } from "../../provider/cli/doctor";
import {
  checkCatalogue,
  ROUTE_CHECKS,
  routeLabel,
  type CheckRow,
} from "../../provider/cli/doctor/checks";
import { SCRATCH_LEDGER, SCRATCH_TAG } from "../../provider/cli/doctor/scratch";
import type { JsonBody } from "../emulator/helpers";

/** Distinctive, so that finding it anywhere in the output can only be a leak. */
const TOKEN = "doctor-test-token-6b1f0e-never-print-me";
const ROOT = path.resolve(__dirname, "../..");

/** Checks that cost budget: skipped in every run. */
const PAID = ["runThread", "createRun"];

interface DoctorRun {
  code: number;
  stdout: string;
  stderr: string;
}

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join("") };
}

async function doctor(
  emulator: Emulator,
  args: string[] = ["--json"],
  extra: { env?: Record<string, string>; isTTY?: boolean } = {},
): Promise<DoctorRun> {
  const out = sink();
  const err = sink();
  const code = await runDoctor(args, {
    stdout: out.stream,
    stderr: err.stream,
    env: { ACP_BASE_URL: emulator.url, ACP_API_TOKEN: TOKEN, ...extra.env },
    isTTY: extra.isTTY,
  });
  const run = { code, stdout: out.text(), stderr: err.text() };
  expect(run.stdout + run.stderr).not.toContain(TOKEN);
  return run;
}

function rowsOf(run: DoctorRun): CheckRow[] {
  return (JSON.parse(run.stdout) as { rows: CheckRow[] }).rows;
}

/** The rows that are neither `holds` nor skipped for cost, as `{id: result}`. */
function notHolding(rows: CheckRow[]): Record<string, string> {
  return Object.fromEntries(
    rows
      .filter((r) => r.result !== "holds" && !PAID.includes(r.id) && r.id !== "retryAfter")
      .map((r) => [r.id, r.result]),
  );
}

function expectScratchEmpty(emulator: Emulator): void {
  const { tasks, threads } = emulator.snapshot();
  expect({ tasks, threads }).toEqual({ tasks: [], threads: [] });
}

async function started(options: EmulatorOptions = {}): Promise<Emulator> {
  const emulator = createEmulator({ token: TOKEN, ...options });
  await emulator.listen();
  return emulator;
}

describe("pulumi-acp doctor against the default emulator", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await started();
  });
  afterAll(() => emulator.close());
  beforeEach(() => emulator.reset());

  it("checks every route of ROUTES and every rule; each holds, the paid ones are skipped; exit 0", async () => {
    const run = await doctor(emulator);
    const rows = rowsOf(run);
    expect(rows.map((r) => r.id)).toEqual(checkCatalogue().map((r) => r.id));
    for (const name of Object.keys(ROUTES)) expect(rows.map((r) => r.id)).toContain(name);
    const results = Object.fromEntries(rows.map((r) => [r.id, r.result]));
    expect(Object.entries(results).filter(([, result]) => result !== "holds")).toEqual([
      ["runThread", "skipped"],
      ["createRun", "skipped"],
      ["retryAfter", "skipped"],
    ]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/scratch area/);
    expect(run.stderr).toMatch(/cost budget: POST \/v1\/tasks\/\{taskId\}\/run-thread/);
    // Every route that was called has its median latency.
    for (const row of rows.filter((r) => r.result === "holds" && r.id in ROUTES)) {
      expect(row.latency?.calls).toBeGreaterThan(0);
    }
    expectScratchEmpty(emulator);
  });

  it("prints a table: a row per check, colour only on a terminal without NO_COLOR", async () => {
    const plain = await doctor(emulator, []);
    for (const name of Object.keys(ROUTES) as (keyof typeof ROUTES)[]) {
      expect(plain.stdout).toContain(routeLabel(name));
    }
    expect(plain.stdout).toMatch(/^CHECK +SOURCE +RESULT +MS +EVIDENCE$/m);
    expect(plain.stdout).toMatch(/25 hold, 3 skipped\. Exit 0\.\n$/);
    expect(plain.stdout).not.toContain("\u001b[");
    const tty = await doctor(emulator, [], { isTTY: true });
    expect(tty.stdout).toContain("\u001b[32mholds");
    const noColour = await doctor(emulator, [], { isTTY: true, env: { NO_COLOR: "1" } });
    expect(noColour.stdout).not.toContain("\u001b[");
    expectScratchEmpty(emulator);
  });

  it("--read-only sends only GETs, skips every check that writes, and exits 0", async () => {
    const other = (await createTaskDirect(emulator, { title: "someone else's" })).id;
    emulator.log.length = 0;
    const run = await doctor(emulator, ["--json", "--read-only"]);
    expect(new Set(emulator.log.map((e) => e.method))).toEqual(new Set(["GET"]));
    const rows = rowsOf(run);
    const skipped = rows.filter((r) => r.result === "skipped").map((r) => r.id);
    expect(skipped).toEqual(
      expect.arrayContaining(["createTask", "updateTask", "deleteTask", "patch.null"]),
    );
    expect(rows.find((r) => r.id === "retrieveTask")?.result).toBe("holds");
    expect(run.code).toBe(0);
    expect(emulator.snapshot().tasks.map((t) => t.id)).toEqual([other]);
  });

  it("removes what an earlier run left, by title and tag, and touches nothing else", async () => {
    const tag = { [SCRATCH_TAG]: "20260101T000000-deadbeef" };
    const left = await createTaskDirect(emulator, {
      title: "[pulumi-acp doctor] anchor (run 20260101T000000-deadbeef)",
      metadata: tag,
    });
    await createTaskDirect(emulator, {
      title: "[pulumi-acp doctor] dependent (run 20260101T000000-deadbeef)",
      metadata: tag,
      dependencyIds: [left.id],
    });
    await call(emulator, "POST", `/v1/tasks/${left.id}/start-thread`, { metadata: tag });
    const loose = await call(emulator, "POST", "/v1/threads", { title: "x", metadata: tag });
    await createTaskDirect(emulator, {
      title: "[pulumi-acp doctor] ledger (run 20260101T000000-deadbeef)",
      metadata: { ...tag, [SCRATCH_LEDGER]: loose.thread.id },
    });
    // Not the doctor's: a title without the tag, and the tag without the title.
    const kept = [
      (await createTaskDirect(emulator, { title: "[pulumi-acp doctor] mine, really" })).id,
      (await createTaskDirect(emulator, { title: "a real task", metadata: tag })).id,
    ];
    const keptThread = (await call(emulator, "POST", "/v1/threads", { title: "a real thread" }))
      .thread.id;

    const run = await doctor(emulator);
    const report = JSON.parse(run.stdout) as {
      leftovers: { tasksDeleted: number; threadsDeleted: number };
    };
    expect(report.leftovers).toMatchObject({ tasksDeleted: 3, threadsDeleted: 2 });
    expect(run.code).toBe(0);
    const { tasks, threads } = emulator.snapshot();
    expect(tasks.map((t) => t.id).sort()).toEqual([...kept].sort());
    expect(threads.map((t) => t.id)).toEqual([keptThread]);
  });

  it("checks ROUTE_CHECKS covers exactly the routes of ROUTES", () => {
    expect(Object.keys(ROUTE_CHECKS).sort()).toEqual(Object.keys(ROUTES).sort());
    const ids = checkCatalogue().map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("pulumi-acp doctor against an API that breaks one assumption", () => {
  const cases: [string, EmulatorOptions, Record<string, string>, number][] = [
    [
      "no idempotency replay",
      { idempotencyReplay: false },
      { "idempotency.replay": "differs", "idempotency.header": "cannot tell" },
      1,
    ],
    [
      "no Idempotent-Replayed header",
      { replayedHeader: false },
      { "idempotency.header": "differs" },
      4,
    ],
    ["PATCH refusing null", { patchAcceptsNull: false }, { "patch.null": "differs" }, 1],
    [
      "PATCH refusing in_review",
      { patchAcceptsInReview: false },
      { "patch.inReview": "differs" },
      1,
    ],
    ["a different list envelope", { listEnvelope: "data" }, { listTasks: "differs" }, 4],
    [
      "200 instead of 204 on delete",
      { deleteStatus: 200 },
      { deleteTask: "differs", deleteThread: "differs" },
      4,
    ],
    [
      "no 409 reason",
      { conflictReason: false },
      {
        "conflict.blocked": "differs",
        "conflict.alreadyStarted": "differs",
        "conflict.hasDependents": "differs",
      },
      4,
    ],
    ["no field on 422", { validationField: false }, { "validation.field": "differs" }, 4],
    ["410 for a deleted task", { deletedTaskStatus: 410 }, { "delete.notFound": "differs" }, 1],
    ["metadata of strings only", { metadataStrings: true }, { "metadata.roundTrip": "differs" }, 1],
    ["a clock two minutes ahead", { clockOffsetMs: 120_000 }, { "clock.skew": "differs" }, 4],
  ];

  it.each(cases)("%s: exactly the broken rows differ", async (_name, variant, expected, code) => {
    const emulator = await started(variant);
    try {
      const run = await doctor(emulator);
      expect(notHolding(rowsOf(run))).toEqual(expected);
      expect(run.code).toBe(code);
      expectScratchEmpty(emulator);
    } finally {
      await emulator.close();
    }
  });

  it("a 409 whose message does not name its reason either has no fallback: exit 1", async () => {
    // The emulator's messages still read as their reasons; an API whose message says nothing does not.
    const emulator = await started({ conflictReason: false });
    emulator.server.prependListener("request", (req: IncomingMessage) => {
      if (req.url?.endsWith("/start-thread")) req.headers["x-acp-emulator-fault"] = "status=409";
    });
    try {
      const run = await doctor(emulator);
      const rows = rowsOf(run);
      const blocked = rows.find((r) => r.id === "conflict.blocked");
      expect(blocked).toMatchObject({ result: "differs", fallback: false });
      expect(run.code).toBe(1);
      expectScratchEmpty(emulator);
    } finally {
      await emulator.close();
    }
  });

  it("a create the API refuses: that row differs, what needs a task cannot tell, exit 1, nothing left", async () => {
    const emulator = await started();
    emulator.server.prependListener("request", (req: IncomingMessage) => {
      if (req.method === "POST" && req.url === "/v1/tasks") {
        req.headers["x-acp-emulator-fault"] = "status=422";
      }
    });
    try {
      const run = await doctor(emulator);
      const rows = rowsOf(run);
      expect(rows.find((r) => r.id === "createTask")).toMatchObject({
        result: "differs",
        evidence: expect.stringMatching(/^422 \{error,message\}; expected 201$/),
        fallback: false,
      });
      expect(rows.find((r) => r.id === "patch.null")).toMatchObject({
        result: "cannot tell",
        evidence: expect.stringMatching(/needs a scratch task; POST \/v1\/tasks answered 422/),
      });
      expect(run.code).toBe(1);
      expectScratchEmpty(emulator);
    } finally {
      await emulator.close();
    }
  });

  it("Retry-After: holds when every 429 seen carries it, differs (exit 4) when one does not", async () => {
    const faults = { rateLimitRate: 0.1, retryAfterSeconds: 0, routes: ["/v1/tasks"] };
    for (const [retryAfter, result, code] of [
      [true, "holds", 0],
      [false, "differs", 4],
    ] as const) {
      const emulator = await started({ retryAfter, faults });
      try {
        const run = await doctor(emulator);
        const rows = rowsOf(run);
        expect(emulator.stats().faultsInjected.rateLimit).toBeGreaterThan(0);
        expect(rows.find((r) => r.id === "retryAfter")?.result).toBe(result);
        expect(notHolding(rows)).toEqual({});
        expect(run.code).toBe(code);
        emulator.setFaults(undefined);
        expectScratchEmpty(emulator);
      } finally {
        await emulator.close();
      }
    }
  });
});

describe("pulumi-acp doctor's arguments and failures", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await started();
  });
  afterAll(() => emulator.close());

  it("exits 2 with the usage on an unknown flag, and 0 with it on --help", async () => {
    const bad = await doctor(emulator, ["--bogus"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/usage: pulumi-acp doctor/);
    const help = await doctor(emulator, ["--help"]);
    expect([help.code, help.stdout.startsWith("usage: pulumi-acp doctor")]).toEqual([0, true]);
  });

  it("exits 2 naming the variable when the token or the base URL is missing", async () => {
    const noToken = await doctor(emulator, [], { env: { ACP_API_TOKEN: "" } });
    expect([noToken.code, noToken.stderr]).toEqual([2, expect.stringMatching(/ACP_API_TOKEN/)]);
    const noUrl = await doctor(emulator, [], { env: { ACP_BASE_URL: "" } });
    expect([noUrl.code, noUrl.stderr]).toEqual([2, expect.stringMatching(/ACP_BASE_URL/)]);
    const project = await doctor(emulator, ["--project", " "]);
    expect([project.code, project.stderr]).toEqual([2, expect.stringMatching(/--project/)]);
  });

  it("--base-url wins over ACP_BASE_URL; --project puts the scratch tasks in that project", async () => {
    emulator.reset();
    const run = await doctor(
      emulator,
      ["--json", "--base-url", emulator.url, "--project", "p_doc"],
      {
        env: { ACP_BASE_URL: "http://127.0.0.1:1" },
      },
    );
    expect(run.code).toBe(0);
    const created = emulator.log.filter((e) => e.method === "POST" && e.path === "/v1/tasks");
    expect(created.length).toBeGreaterThan(0);
    for (const entry of created) expect(entry.body).toMatchObject({ projectId: "p_doc" });
    expect(emulator.log.some((e) => e.path.includes("projectId=p_doc"))).toBe(true);
    expectScratchEmpty(emulator);
  });

  it("an API it cannot reach: every row cannot tell or is skipped, exit 1, no token shown", async () => {
    const closed = createEmulator({ token: TOKEN });
    const url = await closed.listen();
    await closed.close();
    const run = await doctor(emulator, ["--json"], { env: { ACP_BASE_URL: url } });
    const results = new Set(rowsOf(run).map((r) => r.result));
    expect([...results].sort()).toEqual(["cannot tell", "skipped"]);
    expect(run.code).toBe(1);
  });
});

describe("pulumi-acp doctor interrupted or killed mid-run", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await started();
  });
  afterAll(() => emulator.close());
  beforeEach(() => {
    emulator.reset();
    emulator.setFaults(undefined);
  });

  /**
   * Starts the doctor in a child process and resolves once it is held in its first read of a
   * thread (the emulator's latency fault holds that request): by then it has made its scratch
   * tasks and threads. The fault is lifted at once, so only the held request waits.
   */
  async function heldDoctor(): Promise<{
    exited: Promise<number | null>;
    signal: (s: NodeJS.Signals) => void;
    output: () => string;
  }> {
    emulator.setFaults({ latencyMs: 120_000, routes: ["/v1/threads/"] });
    const held = new Promise<void>((resolve) => {
      const onRequest = (req: IncomingMessage) => {
        if (req.method === "GET" && req.url?.startsWith("/v1/threads/")) {
          emulator.server.off("request", onRequest);
          emulator.setFaults(undefined);
          resolve();
        }
      };
      emulator.server.on("request", onRequest);
    });
    const child = spawn(
      process.execPath,
      ["-r", "ts-node/register", "test/cli/doctor-child.ts", "--json"],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          TS_NODE_TRANSPILE_ONLY: "1",
          ACP_BASE_URL: emulator.url,
          ACP_API_TOKEN: TOKEN,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.once("exit", (code) => resolve(code)),
    );
    await Promise.race([
      held,
      exited.then(() => Promise.reject(new Error(`doctor exited early: ${output}`))),
    ]);
    return { exited, signal: (s) => child.kill(s), output: () => output };
  }

  it("Ctrl-C: deletes its scratch area and exits 130", async () => {
    const child = await heldDoctor();
    expect(emulator.snapshot().tasks.length).toBeGreaterThan(0);
    child.signal("SIGINT");
    expect(await child.exited).toBe(130);
    expect(child.output()).toMatch(/interrupted; deleting the scratch area/);
    expect(child.output()).not.toContain(TOKEN);
    expectScratchEmpty(emulator);
  }, 30_000);

  it("killed: the next run removes what it left, recognised by its tag", async () => {
    const child = await heldDoctor();
    child.signal("SIGKILL");
    expect(await child.exited).toBeNull();
    const left = emulator.snapshot();
    expect(left.tasks.length).toBeGreaterThanOrEqual(2);
    expect(left.threads.length).toBe(2);
    const run = await doctor(emulator);
    const report = JSON.parse(run.stdout) as {
      leftovers: { tasksDeleted: number; threadsDeleted: number };
    };
    expect(report.leftovers).toEqual({
      tasksDeleted: left.tasks.length,
      threadsDeleted: 2,
      left: [],
    });
    expect(run.code).toBe(0);
    expectScratchEmpty(emulator);
  }, 30_000);
});

/** A raw call to the emulator with the test token; the answer is read loosely. */
async function call(
  emulator: Emulator,
  method: string,
  route: string,
  body?: unknown,
): Promise<JsonBody> {
  const response = await fetch(emulator.url + route, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await response.json()) as JsonBody;
}

async function createTaskDirect(
  emulator: Emulator,
  fields: Record<string, unknown>,
): Promise<{ id: string }> {
  return (await call(emulator, "POST", "/v1/tasks", fields)).task;
}
