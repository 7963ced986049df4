/**
 * An interrupted update: the engine is stopped in the middle of a 100-task up with SIGINT, then
 * SIGKILL before it can finish cancelling, so creates are in flight when it dies: the server
 * makes those tasks, the state never hears of them. After the documented recovery (README,
 * "Recovering from an interrupted update") the server must hold every declared task once.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createEmulator } from "pulumi-acp/emulator";
import { EXIT } from "../../provider/cli/args";
import { removeEmptyCheckpointAttrs } from "../../provider/cli/recover";
import { childEnv, runPulumiAcp, startPulumiAcp } from "../e2e/child";
import { changesOf, E2E_TOKEN, e2eWorkDir, Harness, type StateResource } from "../e2e/harness";
import { taskGraph, type TaskSpec } from "../e2e/programs";
import { compareWithGraph, hundredTaskGraph, layeredTaskGraph } from "./graph";
import { recordFigures } from "./figures";
import {
  connectionsClosed,
  descendantsOf,
  isAlive,
  listProcesses,
  pulumiCliStartedSince,
  releaseHeldAfterKill,
  signalProcess,
  waitFor,
} from "./processes";

jest.setTimeout(600_000);

/** Pending operations the killed engine left in the checkpoint. */
async function pendingOperations(h: Harness): Promise<Array<{ type: string }>> {
  const deployment = await h.stack.exportStack();
  return (deployment.deployment?.pending_operations ?? []) as Array<{ type: string }>;
}

/** Error message of an operation that must fail, or "" when it succeeded. */
async function failureOf(op: Promise<unknown>): Promise<string> {
  try {
    await op;
    return "";
  } catch (err) {
    return (err as Error).message;
  }
}

describe("an update killed with SIGINT then SIGKILL", () => {
  const runs: Record<string, unknown>[] = [];
  afterAll(() => recordFigures("interrupt", { runs }));

  it.each([
    ["pulumi cancel, refresh --clear-pending-creates, up", true],
    ["pulumi cancel, up, refresh --clear-pending-creates", false],
  ])("converges with no duplicate after: %s", async (recovery, refreshFirst) => {
    const specs = hundredTaskGraph(`intr${refreshFirst ? "R" : "U"}`);
    // Latency on every request keeps creates in flight when the signals arrive.
    const h = await Harness.create({ program: taskGraph(specs), emulator: { latencyMs: 400 } });
    try {
      const before = new Set(listProcesses().map((p) => p.pid));
      const up = failureOf(h.up());
      expect(await waitFor(() => h.emulator.snapshot().tasks.length >= 25, 240_000)).toBe(true);
      const cli = pulumiCliStartedSince(before, "up");
      expect(cli).toBeDefined();
      const tree = descendantsOf(cli!.pid);
      signalProcess(cli!.pid, "SIGINT");
      // Less than one request's latency: the engine is still waiting on creates when it dies.
      await new Promise((r) => setTimeout(r, 50));
      signalProcess(cli!.pid, "SIGKILL");
      expect(await up).not.toBe("");
      // The provider outlives the engine a moment: the creates it was sent reach the server.
      await new Promise((r) => setTimeout(r, 1500));
      // Plugins orphaned by the kill: stop them by id so they do not outlive the test.
      for (const p of tree) if (isAlive(p.pid)) signalProcess(p.pid, "SIGKILL");
      const tasksOnServerAtKill = h.emulator.snapshot().tasks.length;

      // Step 1 of the recovery, needed only when the kill hit the checkpoint's side file.
      const removedAttrs = removeEmptyCheckpointAttrs(path.join(h.workDir, "state"));
      // The killed engine's lock stays: every command is refused until `pulumi cancel`.
      expect(await failureOf(h.refresh())).toMatch(/currently locked/);
      await h.stack.cancel();
      const pending = await pendingOperations(h);
      const tasksInStateAtKill = (await h.stateResources("acp:Task")).length;

      if (refreshFirst) {
        await h.stack.refresh({ clearPendingCreates: true });
        expect(await pendingOperations(h)).toEqual([]);
      }
      h.emulator.resetStats();
      await h.up();
      const pendingAfterUp = (await pendingOperations(h)).length;
      if (!refreshFirst) {
        // A non-interactive up leaves pending creates in the state; this clears them.
        await h.stack.refresh({ clearPendingCreates: true });
      }
      const creates = h.emulator.stats().requests["POST /v1/tasks"] ?? {};

      const mismatch = compareWithGraph(specs, h.emulator.snapshot());
      runs.push({
        recovery,
        tasksOnServerAtKill,
        tasksInStateAtKill,
        pendingOperationsAtKill: pending.length,
        emptyAttrsFilesRemoved: removedAttrs.length,
        pendingOperationsAfterRecoveryUp: pendingAfterUp,
        createsAnsweredByRecoveryUp: creates,
        tasksOnServerAfterRecovery: h.emulator.snapshot().tasks.length,
        ...mismatch,
      });
      expect(mismatch).toEqual({ missing: [], duplicates: 0, extra: 0, wrongDependencies: [] });
      expect(h.emulator.snapshot().tasks).toHaveLength(100);
      expect(await pendingOperations(h)).toEqual([]);
      // The kill really interrupted creates (whether their requests reached the server before
      // the provider died depends on timing: the figures record how many did).
      expect(pending.length).toBeGreaterThan(0);
      if (refreshFirst) expect(pendingAfterUp).toBe(0);
      expect(changesOf((await h.refresh()).summary)).toEqual({});
      expect(changesOf((await h.preview()).summary)).toEqual({});
      await h.destroy();
      expect(h.emulator.snapshot().tasks).toHaveLength(0);
    } finally {
      await h.cleanup();
    }
  });
});

/** A sprint file (JSON) declaring `specs`, the graph of the fast-run suite. */
function writeSprint(dir: string, specs: Record<string, TaskSpec>): string {
  const file = path.join(dir, "sprint.json");
  fs.writeFileSync(file, `${JSON.stringify({ name: "fast", tasks: specs }, null, 2)}\n`);
  return file;
}

/** Tasks of the fast-run graph: 10 layers of 20. */
const FAST_LAYERS = 10;
const FAST_WIDTH = 20;
/** Requests to /v1/tasks the emulator answers before it holds back the rest. */
const ANSWERED_BEFORE_KILL = 70;

describe("a fast run (--fast) interrupted at a known point, then one pulumi-acp up", () => {
  const runs: Record<string, unknown>[] = [];
  afterAll(() => recordFigures("interrupt-fast", { runs }));

  it.each([
    ["up", "SIGKILL", true],
    ["up", "SIGKILL", false],
    ["up", "SIGINT", true],
    ["up", "SIGINT", false],
    ["destroy", "SIGKILL", true],
    ["destroy", "SIGKILL", false],
    ["destroy", "SIGINT", true],
    ["destroy", "SIGINT", false],
  ] as const)(
    "%s stopped by %s (server replays Idempotency-Keys: %s): no duplicate, none missing, preview clean",
    async (command, signal, idempotencyReplay) => {
      const tag = `fast-${command}-${signal}-${idempotencyReplay ? "idem" : "noidem"}`;
      const specs = layeredTaskGraph(tag, FAST_LAYERS, FAST_WIDTH);
      const total = FAST_LAYERS * FAST_WIDTH;
      const emulator = createEmulator({ token: E2E_TOKEN, idempotencyReplay });
      const url = await emulator.listen(0);
      const dir = e2eWorkDir("fast-");
      const env = childEnv({ ACP_API_TOKEN: E2E_TOKEN });
      const sprintFile = writeSprint(dir, specs);
      const args = (op: string, ...more: string[]) => [
        op,
        sprintFile,
        "--yes",
        "--base-url",
        url,
        ...more,
      ];
      const fastRunFile = path.join(dir, ".pulumi", "fast-runs", "dev.json");
      try {
        if (command === "destroy") {
          const first = await runPulumiAcp(args("up", "--fast"), { cwd: dir, env });
          expect(first.stderr).not.toContain("error");
          expect(first.code).toBe(0);
          expect(emulator.snapshot().tasks).toHaveLength(total);
          expect(fs.existsSync(fastRunFile)).toBe(false);
        }
        // The known point: the emulator answers 70 requests to /v1/tasks, then holds back every
        // later one, unanswered and not acted on, until the test lets them go.
        emulator.resetStats();
        emulator.setFaults({ holdAfter: ANSWERED_BEFORE_KILL, routes: ["/v1/tasks"] });
        const run = startPulumiAcp(args(command, "--fast"), dir, env);
        expect(await waitFor(() => emulator.stats().faultsInjected.held > 0, 300_000, 100)).toBe(
          true,
        );
        expect(fs.existsSync(fastRunFile)).toBe(true);
        const tree = descendantsOf(run.pid);
        // Ctrl-C in a terminal: SIGINT to the whole process group. kill -9 of the job: SIGKILL.
        process.kill(-run.pid, signal);
        let held = 0;
        if (signal === "SIGKILL") {
          expect(await run.exit).toBe("SIGKILL");
          for (const p of tree) if (isAlive(p.pid)) signalProcess(p.pid, "SIGKILL");
          // The held requests go on: they reach the API after their client died.
          held = await releaseHeldAfterKill(emulator, ANSWERED_BEFORE_KILL);
        } else {
          // The command has the signal; the engine waits for the creates it has in flight, which
          // now go on, records them and stops.
          expect(
            await waitFor(() => run.output().includes("interrupted: the engine"), 60_000),
          ).toBe(true);
          emulator.setFaults(undefined);
          expect(await run.exit).toBe(EXIT.interrupted);
        }
        const onServerAtKill = emulator.snapshot().tasks.length;
        // Tasks created (up) or deleted (destroy) by the interrupted run.
        const actedOn = command === "up" ? onServerAtKill : total - onServerAtKill;
        if (signal === "SIGKILL") expect(actedOn).toBe(ANSWERED_BEFORE_KILL + held);
        expect(actedOn).toBeGreaterThan(ANSWERED_BEFORE_KILL);
        expect(actedOn).toBeLessThan(total);
        expect(fs.existsSync(fastRunFile)).toBe(true);

        emulator.resetStats();
        const recovery = await runPulumiAcp(args("up"), {
          cwd: dir,
          env: signal === "SIGKILL" ? { ...env, PULUMI_ACP_FAST: "true" } : env,
        });
        expect(recovery.stderr).not.toContain("error");
        if (recovery.code !== 0) process.stderr.write(recovery.stdout);
        expect(recovery.code).toBe(0);
        expect(recovery.stdout).toContain(`The fast ${command} of this stack started at`);
        const created = emulator.stats().requests["POST /v1/tasks"]?.["201"] ?? 0;
        const mismatch = compareWithGraph(specs, emulator.snapshot());
        runs.push({
          command,
          signal,
          idempotencyReplay,
          heldAtKill: held,
          onServerAtKill,
          createsByRecovery: created,
          repairLines: recovery.stdout.split("\n").filter((l) => l.includes("repaired:")),
          ...mismatch,
        });
        expect(mismatch).toEqual({ missing: [], duplicates: 0, extra: 0, wrongDependencies: [] });
        expect(emulator.snapshot().tasks).toHaveLength(total);
        if (command === "up" && signal === "SIGKILL") {
          // Nothing of the killed run was recorded: every task it made is found and adopted.
          expect(recovery.stdout).toContain(
            `repaired: found ${actedOn} task(s) the interrupted run created but never recorded: this up adopts them`,
          );
          expect(created).toBe(total - actedOn);
        } else if (command === "up") {
          // The engine recorded what it did before it stopped.
          expect(recovery.stdout).toContain("repaired: refresh: the state matches the API");
          expect(recovery.stdout).toContain("repaired: found no task the interrupted run");
          expect(created).toBe(total - actedOn);
        } else if (signal === "SIGKILL") {
          // The state still listed every task: the refresh drops those the destroy deleted.
          expect(recovery.stdout).toContain(`repaired: refresh: delete ${actedOn}`);
          expect(created).toBe(actedOn);
        } else {
          expect(recovery.stdout).toContain("repaired: refresh: the state matches the API");
          expect(created).toBe(actedOn);
        }
        // A killed engine leaves its lock; one that stopped on Ctrl-C released it.
        expect(recovery.stdout.includes("repaired: released the interrupted engine's lock")).toBe(
          signal === "SIGKILL",
        );
        expect(fs.existsSync(fastRunFile)).toBe(false);
        // The user's metadata is as declared: the run marker lives on the server only.
        const state = JSON.parse(
          fs.readFileSync(
            path.join(
              dir,
              ".pulumi",
              "state",
              ".pulumi",
              "stacks",
              "pulumi-acp-sprint",
              "dev.json",
            ),
            "utf8",
          ),
        ) as { checkpoint: { latest: { resources: StateResource[] } } };
        const tasks = state.checkpoint.latest.resources.filter((r) => r.type.endsWith(":Task"));
        expect(tasks).toHaveLength(total);
        for (const t of tasks) {
          expect(Object.keys(t.outputs.metadata).sort()).toEqual(["col", "layer"]);
        }
        const preview = await runPulumiAcp(
          ["preview", sprintFile, "--base-url", url, "--expect-no-changes"],
          {
            cwd: dir,
            env,
          },
        );
        expect(preview.stdout).toContain("No changes.");
        expect(preview.code).toBe(0);
      } finally {
        await emulator.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe("a fast run that ran agent threads, killed at a known point, then one pulumi-acp up", () => {
  it("adopts the threads the killed run made: no agent run is paid twice, even without idempotency replay", async () => {
    const specs = layeredTaskGraph("fast-threads", 1, 24);
    const total = Object.keys(specs).length;
    // Each task runs a prompt through the agent (paid work), on an API that replays nothing.
    const sprintTasks = Object.fromEntries(
      Object.entries(specs).map(([key, spec]) => [
        key,
        { ...spec, thread: { mode: "run", message: `Plan ${spec.title}` } },
      ]),
    );
    const emulator = createEmulator({ token: E2E_TOKEN, idempotencyReplay: false });
    const url = await emulator.listen(0);
    const dir = e2eWorkDir("fast-threads-");
    const env = childEnv({ ACP_API_TOKEN: E2E_TOKEN });
    const sprintFile = path.join(dir, "sprint.json");
    fs.writeFileSync(sprintFile, JSON.stringify({ name: "fast", tasks: sprintTasks }));
    const args = (op: string, ...more: string[]) => [op, sprintFile, "--base-url", url, ...more];
    try {
      // Task creates and run-thread calls are all under /v1/tasks: 30 go through.
      emulator.setFaults({ holdAfter: 30, routes: ["/v1/tasks"] });
      const run = startPulumiAcp(args("up", "--yes", "--fast"), dir, env);
      expect(await waitFor(() => emulator.stats().faultsInjected.held > 0, 300_000, 100)).toBe(
        true,
      );
      const tree = descendantsOf(run.pid);
      process.kill(-run.pid, "SIGKILL");
      expect(await run.exit).toBe("SIGKILL");
      for (const p of tree) if (isAlive(p.pid)) signalProcess(p.pid, "SIGKILL");
      expect(await connectionsClosed(emulator, 60_000)).toBe(true);
      const held = emulator.stats().faultsInjected.held;
      emulator.setFaults(undefined);
      // Requests under /v1/tasks: the 30 let through and the held ones, answered now. (Those
      // to /v1/threads, never held, are not counted.)
      const taskRequests = () =>
        Object.entries(emulator.stats().requests)
          .filter(([route]) => route.split(" ")[1]?.startsWith("/v1/tasks"))
          .reduce((n, [, byStatus]) => n + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);
      expect(await waitFor(() => taskRequests() === 30 + held, 60_000, 50)).toBe(true);
      const atKill = emulator.snapshot();
      expect(atKill.threads.length).toBeGreaterThan(0);
      expect(atKill.threads.length).toBeLessThan(total);

      emulator.resetStats();
      const recovery = await runPulumiAcp(args("up", "--yes"), { cwd: dir, env });
      if (recovery.code !== 0) process.stderr.write(recovery.stdout + recovery.stderr);
      expect(recovery.code).toBe(0);
      expect(recovery.stdout).toContain(
        `repaired: found ${atKill.tasks.length} task(s) and ${atKill.threads.length} thread(s) the interrupted run created but never recorded: this up adopts them`,
      );
      const runs = emulator.stats().requests["POST /v1/tasks/:taskId/run-thread"] ?? {};
      recordFigures("interrupt-fast-threads", {
        tasksAtKill: atKill.tasks.length,
        threadsAtKill: atKill.threads.length,
        runThreadCallsByRecovery: runs,
      });
      // Only the prompts the killed run never ran are run now: each task has one thread.
      expect(runs).toEqual({ "201": total - atKill.threads.length });
      const after = emulator.snapshot();
      expect(after.threads).toHaveLength(total);
      expect(new Set(after.threads.map((t) => t.id))).toEqual(
        new Set(after.tasks.flatMap((t) => t.linkedThreadIds ?? [])),
      );
      expect(compareWithGraph(specs, after)).toEqual({
        missing: [],
        duplicates: 0,
        extra: 0,
        wrongDependencies: [],
      });
      const preview = await runPulumiAcp(args("preview", "--expect-no-changes"), {
        cwd: dir,
        env,
      });
      expect(preview.code).toBe(0);
    } finally {
      await emulator.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
