/**
 * Convergence under faults, through the real engine: a 100-task graph goes up against an
 * emulator that fails 10% of requests with 503, rate-limits 5% with Retry-After, resets 2% of
 * connections, commits then drops the answer of 2% of writes, and adds latency jitter. Within
 * two `pulumi up` runs the server must hold exactly the declared tasks (none missing, no
 * duplicate, dependencyIds right) and the state must match it; destroy under the same faults
 * must leave the server empty. Both front doors run it: the dynamic resources and the `acp`
 * provider plugin.
 */
import type { FaultOptions } from "pulumi-acp/emulator";
import { changesOf, Harness } from "../e2e/harness";
import { pluginTaskGraph } from "../e2e/plugin-programs";
import { taskGraph } from "../e2e/programs";
import { compareWithGraph, hundredTaskGraph } from "./graph";
import { recordFigures } from "./figures";

jest.setTimeout(900_000);

/** The faults of the issue, on every /v1 route. */
const FAULTS: FaultOptions = {
  errorRate: 0.1,
  errorStatus: 503,
  rateLimitRate: 0.05,
  retryAfterSeconds: 1,
  resetRate: 0.02,
  dropResponseRate: 0.02,
  latencyJitterMs: 40,
};

type Faults = { error: number; rateLimit: number; reset: number; drop: number; latency: number };

/** The two front doors over the provider core, and how a program declares a graph through each. */
const DOORS = [
  { door: "dynamic", graph: taskGraph, type: "acp:Task", plugin: false, figures: "" },
  {
    door: "plugin",
    graph: pluginTaskGraph,
    type: "acp:index:Task",
    plugin: true,
    figures: "-plugin",
  },
] as const;

describe.each(DOORS)("through the $door resources", ({ graph, type, plugin, figures: suffix }) => {
  describe("a 100-task graph under injected faults", () => {
    let h: Harness;
    const specs = hundredTaskGraph("conv");
    const injected: Faults = { error: 0, rateLimit: 0, reset: 0, drop: 0, latency: 0 };
    let requests = 0;
    const figures: Record<string, unknown> = {};

    /** Adds the emulator's counters since the last call to the totals, and resets them. */
    const tally = () => {
      const s = h.emulator.stats();
      for (const k of Object.keys(injected) as Array<keyof Faults>)
        injected[k] += s.faultsInjected[k];
      requests += s.totalRequests;
      h.emulator.resetStats();
    };

    /** Runs `op` until it succeeds, at most `max` times; returns the runs it took. */
    const runUntilSuccess = async (op: () => Promise<unknown>, max: number): Promise<number> => {
      const failures: string[] = [];
      for (let run = 1; run <= max; run++) {
        try {
          await op();
          return run;
        } catch (err) {
          failures.push((err as Error).message.slice(-2000));
        }
      }
      throw new Error(`did not succeed within ${max} runs:\n${failures.join("\n---\n")}`);
    };

    beforeAll(async () => {
      h = await Harness.create({
        program: graph(specs),
        emulator: { faults: FAULTS, seed: 7 },
        acpPlugin: plugin,
      });
    });
    afterAll(async () => {
      // Which requests the faults hit, e.g. "drop POST": a dropped create is the duplicate risk.
      const faultsByMethod: Record<string, number> = {};
      for (const e of h.emulator.log) {
        if (e.fault)
          faultsByMethod[`${e.fault} ${e.method}`] =
            (faultsByMethod[`${e.fault} ${e.method}`] ?? 0) + 1;
      }
      recordFigures(`convergence${suffix}`, {
        ...figures,
        faultsInjected: injected,
        faultsByMethod,
        requests,
      });
      h.emulator.setFaults(undefined);
      await h?.cleanup();
    });

    it("converges within two ups: every task once, dependencyIds right, state equal to the server", async () => {
      const upRuns = await runUntilSuccess(() => h.up(), 2);
      tally();
      figures.upRunsToConverge = upRuns;
      const mismatch = compareWithGraph(specs, h.emulator.snapshot());
      figures.afterUp = { tasksOnServer: h.emulator.snapshot().tasks.length, ...mismatch };
      expect(mismatch).toEqual({ missing: [], duplicates: 0, extra: 0, wrongDependencies: [] });
      expect(h.emulator.snapshot().tasks).toHaveLength(100);

      // The state names exactly the server's tasks, with the server's dependencyIds.
      const state = await h.stateResources(type);
      expect(state).toHaveLength(100);
      const server = new Map(h.emulator.snapshot().tasks.map((t) => [t.id, t]));
      for (const r of state) {
        const live = server.get(r.id as string);
        expect(live).toBeDefined();
        expect(new Set(r.outputs.dependencyIds ?? [])).toEqual(new Set(live?.dependencyIds ?? []));
        expect(r.outputs.title).toBe(live?.title);
      }
    });

    it("refresh and preview under the same faults show no changes", async () => {
      let refreshChanges: Record<string, number> = {};
      const refreshRuns = await runUntilSuccess(async () => {
        refreshChanges = changesOf((await h.refresh()).summary);
      }, 2);
      let previewChanges: Record<string, number> = {};
      await runUntilSuccess(async () => {
        previewChanges = changesOf((await h.preview()).summary);
      }, 2);
      tally();
      figures.refreshRuns = refreshRuns;
      figures.refreshChanges = refreshChanges;
      expect(refreshChanges).toEqual({});
      expect(previewChanges).toEqual({});
    });

    it("destroy under the same faults leaves the server empty", async () => {
      const destroyRuns = await runUntilSuccess(() => h.destroy(), 2);
      tally();
      figures.destroyRunsToEmpty = destroyRuns;
      figures.tasksLeftAfterDestroy = h.emulator.snapshot().tasks.length;
      expect(h.emulator.snapshot().tasks).toHaveLength(0);
      expect(await h.stateResources(type)).toHaveLength(0);
      // Faults of every kind were really injected, not just configured.
      for (const kind of ["error", "rateLimit", "reset", "drop", "latency"] as const) {
        expect(injected[kind]).toBeGreaterThan(0);
      }
    });
  });

  describe("creates whose answers are dropped after the commit", () => {
    it("half of all task writes committed then cut: no duplicate, within two ups", async () => {
      const specs = Object.fromEntries(
        // The first three layers: 30 tasks, two levels of dependencies.
        Object.entries(hundredTaskGraph("drop")).filter(([key]) => Number(key.slice(1)) < 30),
      );
      const h = await Harness.create({
        program: graph(specs),
        emulator: { faults: { dropResponseRate: 0.5, routes: ["/v1/tasks"] }, seed: 11 },
        acpPlugin: plugin,
      });
      try {
        let runs = 0;
        for (; runs < 2;) {
          runs++;
          try {
            await h.up();
            break;
          } catch {
            // a create whose every attempt was cut: the next up replays its key
          }
        }
        const drops = h.emulator.log.filter(
          (e) => e.fault === "drop" && e.method === "POST",
        ).length;
        const mismatch = compareWithGraph(specs, h.emulator.snapshot());
        recordFigures(`convergence-drops${suffix}`, {
          tasks: Object.keys(specs).length,
          createAnswersDropped: drops,
          upRuns: runs,
          ...mismatch,
        });
        expect(drops).toBeGreaterThan(5);
        expect(mismatch).toEqual({ missing: [], duplicates: 0, extra: 0, wrongDependencies: [] });
        h.emulator.setFaults(undefined);
        expect(changesOf((await h.preview()).summary)).toEqual({});
        await h.destroy();
        expect(h.emulator.snapshot().tasks).toHaveLength(0);
      } finally {
        await h.cleanup();
      }
    });
  });
});
