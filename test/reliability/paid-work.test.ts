/**
 * Paid work under faults, through the real engine: run threads (the agent's run is charged)
 * whose run-thread requests commit and then lose their answer or fail with a 5xx, whose
 * follow-up PATCH fails, and whose engine is killed between the run and its follow-up. Across
 * every `pulumi up` needed to converge, each declared run executes exactly once — on a server
 * that replays Idempotency-Keys and on one that does not (the provider then finds its own work
 * by the pending marker it puts in the thread's metadata).
 */
import { Task, TaskThread } from "pulumi-acp";
import type { Emulator } from "pulumi-acp/emulator";
import * as path from "node:path";
import { removeEmptyCheckpointAttrs } from "../../provider/cli/recover";
import { changesOf, Harness } from "../e2e/harness";
import { recordFigures } from "./figures";
import { killTree, listProcesses, pulumiCliStartedSince, waitFor } from "./processes";

jest.setTimeout(900_000);

/** A program declaring `n` tasks, each with one run thread that has a title to set after it. */
function runThreads(prefix: string, n: number) {
  return async () => {
    for (let i = 0; i < n; i++) {
      const task = new Task(`${prefix}-task-${i}`, { title: `${prefix} task ${i}` });
      new TaskThread(`${prefix}-run-${i}`, {
        taskId: task.id,
        mode: "run",
        message: `do part ${i}`,
        title: `${prefix} run ${i}`,
      });
    }
  };
}

/** The threads linked to each task on the server, by task title. */
function linkedThreads(emulator: Emulator): Record<string, Array<Record<string, unknown>>> {
  const { tasks, threads } = emulator.snapshot();
  return Object.fromEntries(
    tasks.map((t) => [
      t.title,
      threads.filter((th) => (t.linkedThreadIds ?? []).includes(th.id as string)),
    ]),
  );
}

/** What must hold once an up converged: one finished run per task, and the state naming it. */
async function expectOneRunEach(h: Harness, n: number): Promise<void> {
  const linked = linkedThreads(h.emulator);
  expect(Object.keys(linked)).toHaveLength(n);
  for (const threads of Object.values(linked)) {
    expect(threads).toHaveLength(1);
    expect(threads[0].status).toBe("completed");
    // The create finished: titled, and no pending marker left on the server.
    expect(threads[0].title).toMatch(/ run \d+$/);
    expect(threads[0].metadata ?? {}).toEqual({});
  }
  const recorded = (await h.stateResources("acp:TaskThread")).map((r) => r.id).sort();
  const onServer = Object.values(linked)
    .map((threads) => threads[0].id)
    .sort();
  expect(recorded).toEqual(onServer);
  expect(changesOf((await h.refresh()).summary)).toEqual({});
  expect(changesOf((await h.preview()).summary)).toEqual({});
}

const SERVERS = [
  { server: "replays Idempotency-Keys", idempotencyReplay: true },
  { server: "does not replay Idempotency-Keys", idempotencyReplay: false },
];

describe.each(SERVERS)("on a server that $server", ({ idempotencyReplay }) => {
  const figures: Record<string, unknown> = {};
  afterAll(() =>
    recordFigures(`paid-work-${idempotencyReplay ? "replay" : "no-replay"}`, {
      idempotencyReplay,
      ...figures,
    }),
  );

  it("a fault mix aimed at run-thread and its follow-up PATCH: every declared run executes once", async () => {
    const n = 8;
    const h = await Harness.create({
      program: runThreads("mix", n),
      // One retry: follow-ups fail for good often enough that some creates are recorded partly.
      config: { "acp:maxRetries": { value: "1" } },
      emulator: {
        idempotencyReplay,
        seed: 11,
        faults: [
          // Every run-thread the API carries out loses its answer; some fail first with a 5xx.
          {
            routes: ["/v1/tasks/*/run-thread"],
            methods: ["POST"],
            errorRate: 0.3,
            errorStatus: 503,
            dropResponseRate: 1,
          },
          // The follow-up PATCH fails with a 5xx, or is applied and loses its answer.
          {
            routes: ["/v1/threads/"],
            methods: ["PATCH"],
            errorRate: 0.5,
            errorStatus: 503,
            dropResponseRate: 0.3,
          },
        ],
      },
    });
    try {
      let ups = 0;
      const failures: string[] = [];
      for (; ups < 8;) {
        ups++;
        try {
          await h.up();
          break;
        } catch (err) {
          failures.push((err as Error).message.slice(-600));
        }
      }
      const stats = h.emulator.stats();
      h.emulator.setFaults(undefined);
      figures.faultMix = {
        declaredRuns: n,
        upsToConverge: ups,
        failedUps: failures.length,
        faultsInjected: stats.faultsInjected,
        runThreadRequests: stats.requests["POST /v1/tasks/:taskId/run-thread"],
        agentExecutions: stats.agentExecutions.runThread,
      };
      expect(failures.length).toBeLessThan(ups);
      // Every run was made by a request whose answer was lost after the API acted.
      expect(stats.requests["POST /v1/tasks/:taskId/run-thread"]?.drop).toBe(n);
      expect(stats.requests["POST /v1/tasks/:taskId/run-thread"]?.["201"]).toBeUndefined();
      expect(stats.faultsInjected.error).toBeGreaterThan(0);
      expect(stats.agentExecutions.runThread).toBe(n);
      await expectOneRunEach(h, n);
      expect(h.emulator.stats().agentExecutions.runThread).toBe(n);
    } finally {
      await h.cleanup();
    }
  });

  it("an engine killed after the API ran the agents and before it heard so: the next up adopts the runs", async () => {
    const n = 2;
    const h = await Harness.create({
      program: runThreads("kill", n),
      emulator: {
        idempotencyReplay,
        // Every run-thread is carried out at once; its answer waits.
        faults: { routes: ["/v1/tasks/*/run-thread"], holdAfter: 0, holdAnswers: true },
      },
    });
    try {
      const before = new Set(listProcesses().map((p) => p.pid));
      const up = h.up().then(
        () => "",
        (err: Error) => err.message,
      );
      const ran = await waitFor(
        () =>
          h.emulator.stats().agentExecutions.runThread === n &&
          h.emulator.stats().faultsInjected.held === n,
        240_000,
      );
      expect(ran).toBe(true);
      const cli = pulumiCliStartedSince(before, "up");
      expect(cli).toBeDefined();
      killTree(cli!.pid);
      expect(await up).not.toBe("");
      // The held answers go to connections that are gone.
      h.emulator.setFaults(undefined);
      removeEmptyCheckpointAttrs(path.join(h.workDir, "state"));
      await h.stack.cancel();
      const deployment = await h.stack.exportStack();
      const pendingAtKill = (deployment.deployment?.pending_operations ?? []).length;
      const threadsInStateAtKill = (await h.stateResources("acp:TaskThread")).length;

      await h.up();
      await h.stack.refresh({ clearPendingCreates: true });
      figures.killedEngine = {
        declaredRuns: n,
        pendingOperationsAtKill: pendingAtKill,
        threadsInStateAtKill,
        agentExecutions: h.emulator.stats().agentExecutions.runThread,
      };
      expect(threadsInStateAtKill).toBe(0);
      expect(h.emulator.stats().agentExecutions.runThread).toBe(n);
      await expectOneRunEach(h, n);
      expect(h.emulator.stats().agentExecutions.runThread).toBe(n);
    } finally {
      await h.cleanup();
    }
  });
});
