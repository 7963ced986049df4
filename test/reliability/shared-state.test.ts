/**
 * Team pipelines on one shared backend (PostgreSQL) and one API: each "runner" is its own
 * working directory and PULUMI_HOME, sharing only the backend, the passphrase and the API.
 *
 * - A fast `up` killed on runner A is repaired by runner B's next `up`: every declared task once,
 *   dependencies and metadata as declared, with and without the API's idempotency replay.
 * - Two `up`s of one stack at once, ten times: one applies, the other exits with code 5 naming
 *   the holder, or waits with --wait-for-lock and then applies.
 * - Two stacks applied at once both succeed; a killed default run's lock is named as stale, with
 *   the command that clears it.
 *
 * "At once" is made exact with the emulator's hold: the first run's requests are held back, so
 * it is applying (record and engine lock held) for as long as the test needs.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createEmulator, type Emulator } from "pulumi-acp/emulator";
import { EXIT } from "../../provider/cli/args";
import { FAST_RUN_TAG } from "../../provider/cli/fast-record";
import { childEnv, runChild, runPulumiAcp, startPulumiAcp } from "../e2e/child";
import { E2E_TOKEN, e2eWorkDir, engineBinDir, type StateResource } from "../e2e/harness";
import { startPostgres, storedObject, type PostgresServer } from "../e2e/postgres";
import type { TaskSpec } from "../e2e/programs";
import { recordFigures } from "./figures";
import { compareWithGraph, layeredTaskGraph } from "./graph";
import { descendantsOf, isAlive, releaseHeldAfterKill, signalProcess, waitFor } from "./processes";

jest.setTimeout(900_000);

const PASSPHRASE = "shared-state-passphrase";
const CLEAN = { missing: [], duplicates: 0, extra: 0, wrongDependencies: [] };
const STACK_KEY = (stack: string) => `.pulumi/stacks/pulumi-acp-sprint/${stack}`;

/** A CI runner: its own directory and Pulumi home; the backend and the API are shared. */
class Runner {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  constructor(
    name: string,
    pg: PostgresServer,
    readonly baseUrl: string,
  ) {
    this.dir = e2eWorkDir(`runner-${name}-`);
    this.env = childEnv({
      ACP_API_TOKEN: E2E_TOKEN,
      PULUMI_BACKEND_URL: pg.url,
      PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
      PULUMI_HOME: path.join(this.dir, "home"),
    });
  }
  /** Writes the runner's checkout of the sprint file. */
  sprint(specs: Record<string, TaskSpec>): void {
    fs.writeFileSync(
      path.join(this.dir, "sprint.json"),
      JSON.stringify({ name: "shared", tasks: specs }),
    );
  }
  args(command: string, ...more: string[]): string[] {
    return [command, "sprint.json", "--yes", "--base-url", this.baseUrl, ...more];
  }
  run(command: string, ...more: string[]) {
    return runPulumiAcp(this.args(command, ...more), { cwd: this.dir, env: this.env });
  }
  start(command: string, ...more: string[]) {
    return startPulumiAcp(this.args(command, ...more), this.dir, this.env);
  }
  cleanup(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The stack's state as stored in the table. */
function storedState(pg: PostgresServer, stack: string): StateResource[] {
  const text = storedObject(pg, `${STACK_KEY(stack)}.json`) ?? "{}";
  const state = JSON.parse(text) as {
    checkpoint?: { latest?: { resources?: StateResource[] } };
  };
  return state.checkpoint?.latest?.resources ?? [];
}

/** The stack's tags object in the table (the fast-run record lives there), or "" when none. */
function storedTags(pg: PostgresServer, stack: string): string {
  return storedObject(pg, `${STACK_KEY(stack)}.pulumi-tags`) ?? "";
}

/** SIGKILLs a started run's process group and every process under it (engine, plugins). */
async function killRun(run: ReturnType<Runner["start"]>): Promise<void> {
  const tree = descendantsOf(run.pid);
  process.kill(-run.pid, "SIGKILL");
  expect(await run.exit).toBe("SIGKILL");
  for (const p of tree) if (isAlive(p.pid)) signalProcess(p.pid, "SIGKILL");
}

describe("a shared PostgreSQL backend", () => {
  let pg: PostgresServer;
  beforeAll(() => {
    pg = startPostgres();
  });
  afterAll(() => pg?.stop());

  const ANSWERED_BEFORE_KILL = 60;
  const runs: Record<string, unknown>[] = [];
  afterAll(() => recordFigures("shared-state-kill", { runs }));

  it.each([true, false])(
    "runner A's fast up of 300 tasks is killed; runner B's up repairs it (idempotency replay: %s)",
    async (idempotencyReplay) => {
      const emulator = createEmulator({ token: E2E_TOKEN, idempotencyReplay });
      const url = await emulator.listen(0);
      const stack = `kill-${idempotencyReplay ? "idem" : "noidem"}`;
      const specs = layeredTaskGraph(stack, 15, 20);
      const a = new Runner("a", pg, url);
      const b = new Runner("b", pg, url);
      a.sprint(specs);
      b.sprint(specs);
      try {
        emulator.setFaults({ holdAfter: ANSWERED_BEFORE_KILL, routes: ["/v1/tasks"] });
        const run = a.start("up", "--fast", "--stack", stack);
        expect(await waitFor(() => emulator.stats().faultsInjected.held > 0, 300_000, 100)).toBe(
          true,
        );
        // The running apply is recorded in the backend, where runner B will look.
        expect(storedTags(pg, stack)).toContain(FAST_RUN_TAG);
        await killRun(run);
        // The held creates reach the API after their client died: made, never recorded.
        const held = await releaseHeldAfterKill(emulator, ANSWERED_BEFORE_KILL);
        const atKill = emulator.snapshot().tasks.length;
        expect(atKill).toBeGreaterThanOrEqual(50);
        expect(atKill).toBeLessThan(300);

        emulator.resetStats();
        const repair = await b.run("up", "--stack", stack);
        if (repair.code !== 0) process.stderr.write(repair.stdout + repair.stderr);
        expect(repair.code).toBe(0);
        expect(repair.stdout).toContain("The fast up of this stack started at");
        expect(repair.stdout).toContain(
          `repaired: found ${atKill} task(s) the interrupted run created but never recorded: this up adopts them`,
        );
        const created = emulator.stats().requests["POST /v1/tasks"]?.["201"] ?? 0;
        const mismatch = compareWithGraph(specs, emulator.snapshot());
        runs.push({ idempotencyReplay, held, atKill, createdByRunnerB: created, ...mismatch });
        expect(mismatch).toEqual({ missing: [], duplicates: 0, extra: 0, wrongDependencies: [] });
        expect(emulator.snapshot().tasks).toHaveLength(300);
        expect(created).toBe(300 - atKill);
        // Metadata as declared, in the state and on the server (beside the run marker).
        const tasks = storedState(pg, stack).filter((r) => r.type.endsWith(":Task"));
        expect(tasks).toHaveLength(300);
        for (const t of tasks)
          expect(Object.keys(t.outputs.metadata).sort()).toEqual(["col", "layer"]);
        for (const t of emulator.snapshot().tasks) {
          expect(t.metadata).toMatchObject({ layer: expect.any(Number), col: expect.any(Number) });
        }
        // Done: the record is gone, and either runner finds nothing to change.
        expect(storedTags(pg, stack)).not.toContain(FAST_RUN_TAG);
        const check = await a.run("preview", "--stack", stack, "--expect-no-changes");
        expect(check.code).toBe(0);
      } finally {
        await emulator.close();
        a.cleanup();
        b.cleanup();
      }
    },
  );

  describe("pipelines at once", () => {
    let emulator: Emulator;
    let a: Runner;
    let b: Runner;
    const graph = (round: string) => layeredTaskGraph(`concurrent ${round}`, 2, 5);
    /** Holds back every request to /v1/tasks after the next two (the held count starts at 0). */
    const hold = () => {
      emulator.resetStats();
      emulator.setFaults({ holdAfter: 2, routes: ["/v1/tasks"] });
    };
    /** The store's tasks of one graph (its titles carry its tag) against that graph. */
    const matches = (specs: Record<string, TaskSpec>) => {
      const snapshot = emulator.snapshot();
      const tag = String(Object.values(specs)[0].title).replace(/ task 0$/, " task ");
      const tasks = snapshot.tasks.filter((t) => String(t.title).startsWith(tag));
      return compareWithGraph(specs, { ...snapshot, tasks });
    };
    beforeAll(async () => {
      emulator = createEmulator({ token: E2E_TOKEN });
      const url = await emulator.listen(0);
      a = new Runner("a", pg, url);
      b = new Runner("b", pg, url);
    });
    afterAll(async () => {
      await emulator?.close();
      a?.cleanup();
      b?.cleanup();
    });

    it("two ups of one stack, ten times: one applies, the other exits 5 naming the holder", async () => {
      const outcomes: Record<string, unknown>[] = [];
      for (let round = 0; round < 10; round++) {
        const specs = graph(`round ${round}`);
        a.sprint(specs);
        b.sprint(specs);
        // Fast and default runs alternate: the fast run's record and the engine's lock both hold.
        const fast = round % 2 === 0;
        hold();
        const first = a.start("up", fast ? "--fast" : "--no-fast");
        expect(await waitFor(() => emulator.stats().faultsInjected.held > 0, 300_000, 50)).toBe(
          true,
        );
        const second = await b.run("up", fast ? "--fast" : "--no-fast");
        const holderPids = [first.pid, ...descendantsOf(first.pid).map((p) => p.pid)];
        emulator.setFaults(undefined);
        const firstCode = await first.exit;
        outcomes.push({ round, fast, first: firstCode, second: second.code });
        if (firstCode !== 0 || second.code !== EXIT.locked) {
          process.stderr.write(
            `round ${round}:\n${first.output()}\n${second.stdout}${second.stderr}\n`,
          );
        }
        expect(firstCode).toBe(0);
        expect(second.code).toBe(EXIT.locked);
        const holder =
          /^error: stack dev is held by (a running pulumi-acp fast run|the Pulumi engine's lock) \((?:\S+@)?(\S+), process (\d+), since (\S+)\)/m.exec(
            second.stderr,
          );
        expect(holder).not.toBeNull();
        expect(holder?.[1]).toBe(
          fast ? "a running pulumi-acp fast run" : "the Pulumi engine's lock",
        );
        expect(holderPids).toContain(Number(holder?.[3]));
        expect(compareWithGraph(specs, emulator.snapshot())).toEqual({
          missing: [],
          duplicates: 0,
          extra: 0,
          wrongDependencies: [],
        });
        const check = await b.run("preview", "--expect-no-changes");
        expect(check.code).toBe(0);
      }
      recordFigures("shared-state-concurrent", { outcomes });
    });

    it("with --wait-for-lock the second waits for the first, then applies its own change", async () => {
      const mine = graph("first");
      const theirs = graph("second");
      a.sprint(mine);
      b.sprint(theirs);
      hold();
      const first = a.start("up", "--fast");
      expect(await waitFor(() => emulator.stats().faultsInjected.held > 0, 300_000, 50)).toBe(true);
      const second = b.start("up", "--fast", "--wait-for-lock", "300");
      expect(
        await waitFor(() => /waiting up to 300 s for it/.test(second.output()), 120_000, 50),
      ).toBe(true);
      emulator.setFaults(undefined);
      expect(await first.exit).toBe(0);
      const code = await second.exit;
      if (code !== 0) process.stderr.write(second.output());
      expect(code).toBe(0);
      expect(compareWithGraph(theirs, emulator.snapshot())).toEqual({
        missing: [],
        duplicates: 0,
        extra: 0,
        wrongDependencies: [],
      });
      expect((await a.run("preview", "--expect-no-changes")).code).toBe(3);
      expect((await b.run("preview", "--expect-no-changes")).code).toBe(0);
    });

    it("two stacks of one project applied at once both succeed", async () => {
      a.sprint(graph("stack one"));
      b.sprint(graph("stack two"));
      const [one, two] = await Promise.all([
        a.run("up", "--fast", "--stack", "one"),
        b.run("up", "--fast", "--stack", "two"),
      ]);
      expect([one.code, two.code]).toEqual([0, 0]);
      expect(matches(graph("stack one"))).toEqual(CLEAN);
      expect(matches(graph("stack two"))).toEqual(CLEAN);
    });

    it("a killed default run's lock is named as stale, with the command that clears it", async () => {
      const specs = graph("stale");
      a.sprint(specs);
      b.sprint(specs);
      hold();
      const run = a.start("up", "--no-fast", "--stack", "stale");
      expect(await waitFor(() => emulator.stats().faultsInjected.held > 0, 300_000, 50)).toBe(true);
      await killRun(run);
      emulator.setFaults(undefined);
      const blocked = await b.run("up", "--stack", "stale");
      if (blocked.code !== EXIT.locked) process.stderr.write(blocked.stdout + blocked.stderr);
      expect(blocked.code).toBe(EXIT.locked);
      expect(blocked.stderr).toContain("whose process is gone");
      const clear = /then clear the lock: (pulumi cancel --yes --stack (\S+))$/m.exec(
        blocked.stderr,
      );
      expect(clear?.[2]).toBe("organization/pulumi-acp-sprint/stale");
      // The command as given, with this runner's backend settings.
      const cancel = await runChild(
        path.join(engineBinDir(), "pulumi"),
        ["cancel", "--yes", "--stack", clear?.[2] as string],
        { cwd: b.dir, env: b.env },
      );
      expect(cancel.code).toBe(0);
      const up = await b.run("up", "--stack", "stale");
      if (up.code !== 0) process.stderr.write(up.stdout + up.stderr);
      expect(up.code).toBe(0);
      // The killed run was a default one: its creates are sent again under the same keys.
      expect(up.stdout).toContain("create(s) a killed run started: this up runs without --fast");
      expect(matches(specs)).toEqual(CLEAN);
      expect((await b.run("preview", "--stack", "stale", "--expect-no-changes")).code).toBe(0);
    });
  });
});
