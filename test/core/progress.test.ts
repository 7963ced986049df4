/**
 * Progress of long operations: where reports go (the current operation's resource, through the
 * process's sink), how often a wait reports, what the AgentRun and TaskThread cores report while
 * they wait, and the engine-log sink the front doors install (against a gRPC server standing in
 * for the engine's log service).
 */
import * as path from "node:path";
import type { Emulator } from "../../emulator";
import { emulatorForCore } from "./helpers";
import type { AcpClient } from "../../provider/client";
import { providerCore } from "../../provider/core";
import {
  engineAddressOf,
  engineLogSink,
  engineMessage,
  installEngineProgress,
} from "../../provider/doors/engine-log";
import {
  formatSeconds,
  reportProgress,
  setProgressSink,
  waitReporter,
  withProgressTarget,
  type ProgressTarget,
} from "../../provider/core/progress";

const TOKEN = "progress-token";
type Report = { target: ProgressTarget; message: string; ephemeral?: false };
let reports: Report[] = [];
let onReport: (r: Report) => void = () => undefined;

beforeEach(() => {
  reports = [];
  onReport = () => undefined;
  setProgressSink((target, message, { ephemeral }) => {
    // Progress (ephemeral) as { target, message }; a kept note also says `ephemeral: false`.
    const r: Report = ephemeral ? { target, message } : { target, message, ephemeral };
    reports.push(r);
    onReport(r);
  });
});
afterEach(() => setProgressSink(undefined));

describe("reportProgress", () => {
  it("goes to the sink with the current operation's resource, and nowhere outside one", async () => {
    reportProgress("nobody's");
    await withProgressTarget({ urn: "urn:a" }, async () => {
      await new Promise((r) => setTimeout(r, 1));
      reportProgress("a's");
    });
    expect(reports).toEqual([{ target: { urn: "urn:a" }, message: "a's" }]);
  });

  it("keeps operations that run at once apart through their awaits", async () => {
    const step = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const op = (urn: string, order: number[]) =>
      withProgressTarget({ urn }, async () => {
        for (const ms of order) {
          await step(ms);
          reportProgress(`${urn} after ${ms}`);
        }
      });
    await Promise.all([op("urn:a", [3, 1, 2]), op("urn:b", [1, 3, 1])]);
    for (const r of reports) expect(r.message.startsWith(`${r.target.urn} `)).toBe(true);
    expect(reports).toHaveLength(6);
  });

  it("never fails an operation when the sink throws", async () => {
    setProgressSink(() => {
      throw new Error("sink down");
    });
    await expect(withProgressTarget({ urn: "" }, async () => reportProgress("x"))).resolves.toBe(
      undefined,
    );
  });
});

describe("waitReporter", () => {
  it("reports a new status at once and the same one at most every 30 s, with the time waited", () => {
    let now = 1_000_000;
    const report = waitReporter("run r1", 600, 30, () => now);
    withProgressTarget({ urn: "" }, () => {
      report("queued");
      now += 2_000;
      report("running");
      now += 20_000;
      report("running");
      now += 10_000;
      report("running");
      now += 65_000;
      report("running");
    });
    expect(reports.map((r) => r.message)).toEqual([
      "run r1: queued (0s of 10m)",
      "run r1: running (2s of 10m)",
      "run r1: running (32s of 10m)",
      "run r1: running (1m37s of 10m)",
    ]);
  });

  it.each([
    [0, "0s"],
    [59.4, "59s"],
    [60, "1m"],
    [3599, "59m59s"],
  ])("formats %s seconds as %s", (seconds, text) => {
    expect(formatSeconds(seconds)).toBe(text);
  });
});

describe("the cores' progress while they wait", () => {
  let emulator: Emulator;
  let api: AcpClient;

  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ emulator, api, close } = await emulatorForCore({ token: TOKEN, servers: ["srv_1"] }));
  });
  afterAll(() => close());

  it("AgentRun: the async run's status, on the resource the door named", async () => {
    emulator.holdAsyncRuns(true);
    // The first report lets the run end.
    onReport = () => emulator.holdAsyncRuns(false);
    const target = { urn: "urn:pulumi:s::p::acp:index:AgentRun::setup" };
    const created = await withProgressTarget(target, () =>
      providerCore("agentRun").create(
        { serverId: "srv_1", prompt: "go", mode: "async", pollIntervalSeconds: 0.05 } as never,
        { resourceKey: "p/s/setup" },
      ),
    );
    expect(created.outs.status).toBe("completed");
    expect(reports.length).toBeGreaterThanOrEqual(1);
    expect(reports[0]).toEqual({
      target,
      message: `agent run ${created.id} on server srv_1: queued (0s of 10m)`,
    });
    for (const r of reports) {
      expect(r.target).toBe(target);
      expect(r.message).toMatch(
        new RegExp(`^agent run ${created.id} on server srv_1: (queued|running) \\(`),
      );
    }
  });

  it("TaskThread: the dependencies a blocked task waits for", async () => {
    const dep = await api.tasks.create({ title: "First" });
    const task = await api.tasks.create({ title: "Then", dependencyIds: [dep.id!] });
    // The first report finishes the dependency, so the next attempt starts the thread.
    onReport = () => void api.tasks.update(dep.id!, { status: "done" });
    const target = { urn: "", name: "then-thread" };
    const created = await withProgressTarget(target, () =>
      providerCore("taskThread").create(
        {
          taskId: task.id!,
          mode: "start",
          onBlocked: "wait",
          waitTimeoutSeconds: 60,
          pollIntervalSeconds: 0.05,
        } as never,
        { resourceKey: "p/s/then-thread" },
      ),
    );
    expect(created.id).toMatch(/^thr_/);
    expect(reports[0]).toEqual({
      target,
      message: `task ${task.id}: waiting for its dependencies (not done: ${dep.id}) (0s of 1m)`,
    });
  });
});

describe("notes", () => {
  it("AgentRun delete: says the run is forgotten, not deleted, and sends no request", async () => {
    const { emulator, close } = await emulatorForCore({ token: TOKEN, servers: ["srv_1"] });
    try {
      const target = { urn: "", name: "setup" };
      await withProgressTarget(target, () =>
        providerCore("agentRun").delete("run_1", { serverId: "srv_1" } as never),
      );
      expect(reports).toEqual([
        {
          target,
          message:
            "agent run run_1 on server srv_1 is forgotten, not deleted: the API cannot delete a run, so it stays on its server",
          ephemeral: false,
        },
      ]);
      expect(emulator.stats().totalRequests).toBe(0);
    } finally {
      await close();
    }
  });
});

describe("the engine-log sink", () => {
  it.each([
    [["127.0.0.1:40001"], "127.0.0.1:40001"],
    [["--logtostderr", "-v=9", "127.0.0.1:40001"], "127.0.0.1:40001"],
    [["--tracing", "127.0.0.1:9", "127.0.0.1:40001"], "127.0.0.1:40001"],
    [[], undefined],
    [["test/core/progress.test.ts"], undefined],
  ])("finds the engine's address in %j", (args, address) => {
    expect(engineAddressOf(args)).toBe(address);
  });

  it("installs itself only in a process the engine started", () => {
    expect(installEngineProgress(["--ci"])).toBe(false);
  });

  it("names the resource in a message that has no URN to carry it", () => {
    expect(engineMessage({ urn: "", name: "setup" }, "run r1: queued")).toBe(
      "setup: run r1: queued",
    );
    expect(engineMessage({ urn: "urn:x", name: "setup" }, "run r1: queued")).toBe("run r1: queued");
  });

  it("sends progress as an ephemeral info message to the engine's log, and a note as a kept one", async () => {
    const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    /* eslint-disable @typescript-eslint/no-require-imports */
    const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] }));
    const engrpc = require("@pulumi/pulumi/proto/engine_grpc_pb");
    const emptyproto = require(
      require.resolve("google-protobuf/google/protobuf/empty_pb", { paths: [pulumiDir] }),
    );
    /* eslint-enable @typescript-eslint/no-require-imports */
    type LogRequest = {
      getSeverity(): number;
      getMessage(): string;
      getUrn(): string;
      getEphemeral(): boolean;
    };
    const received: LogRequest[] = [];
    let heard: () => void = () => undefined;
    const twoHeard = new Promise<void>((resolve) => (heard = resolve));
    const server = new grpc.Server();
    server.addService(engrpc.EngineService, {
      log: (call: { request: LogRequest }, cb: (e: null, r: unknown) => void) => {
        received.push(call.request);
        cb(null, new emptyproto.Empty());
        if (received.length === 2) heard();
      },
    });
    const port: number = await new Promise((resolve, reject) =>
      server.bindAsync(
        "127.0.0.1:0",
        grpc.ServerCredentials.createInsecure(),
        (err: Error | null, p: number) => (err ? reject(err) : resolve(p)),
      ),
    );
    try {
      const sink = engineLogSink(`127.0.0.1:${port}`);
      sink({ urn: "urn:pulumi:s::p::acp:index:AgentRun::setup" }, "agent run r1: running", {
        ephemeral: true,
      });
      sink({ urn: "", name: "index" }, "agent run r2 is forgotten", { ephemeral: false });
      await twoHeard;
      const seen = received.map((r) => ({
        severity: r.getSeverity(),
        message: r.getMessage(),
        urn: r.getUrn(),
        ephemeral: r.getEphemeral(),
      }));
      expect(seen).toEqual(
        expect.arrayContaining([
          {
            severity: 1,
            message: "agent run r1: running",
            urn: "urn:pulumi:s::p::acp:index:AgentRun::setup",
            ephemeral: true,
          },
          { severity: 1, message: "index: agent run r2 is forgotten", urn: "", ephemeral: false },
        ]),
      );
    } finally {
      server.forceShutdown();
    }
  });
});
