/**
 * The bench's sprint section: the bulk `Sprint` resource (acp:index:Sprint, through the `acp`
 * plugin) over a whole task graph, at each size and emulator latency: up, a no-op preview, a 10%
 * edit, refresh and destroy, with API calls and the stored state's bytes per task. Its table sets
 * the Sprint beside the per-task figures the same run measured at N = 500 and 0 ms (the engine
 * floor, the dynamic provider, the plugin, --fast). bench/sprint.ts runs one lifecycle alone.
 * Each row is a results key `<op>/sprint/n<N>/<L>ms`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  LocalWorkspace,
  type ProjectSettings,
  type PulumiCommand,
} from "@pulumi/pulumi/automation";
import { Sprint, type SprintTaskArgs } from "pulumi-acp";
import { localEngineEnv, REPO_ROOT } from "../provider/cli/engine";
import { commandRun, doorDir } from "./command";
import type { EmulatorProcess } from "./emulator-process";
import { WORK_ROOT } from "./engine";
import type { GraphNode } from "./graph";

/** The Sprint's operations, in the order they run on one stack. */
export const SPRINT_OPS = ["up", "preview", "edit 10%", "refresh", "destroy"] as const;
/** The size the per-task designs are compared at, and the size whose growth is checked. */
export const SPRINT_BASE = 500;

/** One figure in the bench's results (see run.ts). */
interface Figure {
  seconds: { median: number; samples: number[] };
  apiCalls?: number;
}

/** The results key of one Sprint operation at one size and latency. */
export function sprintKey(op: string, n: number, latencyMs: number): string {
  return `${op}/sprint/n${n}/${latencyMs}ms`;
}

/** The Sprint's tasks for `graph`, with the same titles and descriptions as the per-task bench. */
export function sprintTasks(
  graph: GraphNode[],
  edited: ReadonlySet<string>,
): Record<string, SprintTaskArgs> {
  return Object.fromEntries(
    graph.map((node): [string, SprintTaskArgs] => [
      node.key,
      {
        title: `Benchmark task ${node.key}${edited.has(node.key) ? " (edited)" : ""}`,
        description: `Task ${node.key} of the benchmark graph; depends on ${node.deps.join(", ") || "nothing"}.`,
        priority: "medium",
        dependsOn: node.deps,
      },
    ]),
  );
}

/**
 * One lifecycle on a fresh stack whose program declares `graph` as one Sprint: up, a no-op
 * preview, an edit of every tenth task's title, refresh, destroy, each through `measure` (up
 * alone unless `full`: the caller then empties the server). Checks that up created every task and
 * destroy removed them all; returns the exported state's bytes per task after the up.
 */
export async function sprintLifecycle(opts: {
  emu: EmulatorProcess;
  graph: GraphNode[];
  token: string;
  pulumiCommand: PulumiCommand;
  full: boolean;
  measure: (op: (typeof SPRINT_OPS)[number], run: () => Promise<unknown>) => Promise<void>;
}): Promise<{ stateBytesPerTask: number }> {
  const { emu, graph, measure } = opts;
  const n = graph.length;
  fs.mkdirSync(WORK_ROOT, { recursive: true });
  const workDir = fs.mkdtempSync(path.join(WORK_ROOT, "sprint-"));
  let edited = new Set<string>();
  const program = async () => {
    const sprint = new Sprint("sprint", { tasks: sprintTasks(graph, edited) });
    return { count: sprint.taskIds.apply((ids) => Object.keys(ids).length) };
  };
  try {
    const stack = await LocalWorkspace.createOrSelectStack(
      { projectName: "acp-bench", stackName: "bench", program },
      {
        workDir,
        envVars: localEngineEnv({
          backendDir: path.join(workDir, "state"),
          pulumiHome: path.join(workDir, "home"),
        }),
        // The plugin is declared in the project, as a user's Pulumi.yaml does.
        projectSettings: {
          name: "acp-bench",
          runtime: "nodejs",
          plugins: {
            providers: [
              { name: "acp", path: path.join(REPO_ROOT, "node_modules", "pulumi-acp", "plugin") },
            ],
          },
        } as ProjectSettings,
        pulumiCommand: opts.pulumiCommand,
      },
    );
    await stack.setAllConfig({
      "acp:baseUrl": { value: emu.baseUrl },
      "acp:token": { value: opts.token, secret: true },
    });
    await measure("up", () => stack.up());
    const created = (await emu.tasks()).length;
    if (created !== n) throw new Error(`Sprint up created ${created} tasks, not ${n}`);
    const stateBytesPerTask = JSON.stringify(await stack.exportStack()).length / n;
    if (!opts.full) return { stateBytesPerTask };
    await measure("preview", () => stack.preview());
    edited = new Set(graph.filter((_, i) => i % 10 === 0).map((g) => g.key));
    await measure("edit 10%", () => stack.up());
    await measure("refresh", () => stack.refresh());
    await measure("destroy", () => stack.destroy());
    const left = (await emu.tasks()).length;
    if (left !== 0) throw new Error(`Sprint destroy left ${left} tasks`);
    return { stateBytesPerTask };
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * Runs the section: one lifecycle per size and latency, on an emptied emulator of that latency
 * (`emulator` starts one if the run has none). Sizes above `fullUpTo` (long sizes) run the up
 * alone, unless `long`, and at the lowest latency only. Returns the state's bytes per task by
 * `n<N>/<L>ms`.
 */
export async function sprintSection(opts: {
  emulator: (latencyMs: number) => Promise<EmulatorProcess>;
  graphs: GraphNode[][];
  latencies: number[];
  fullUpTo: number;
  long: boolean;
  token: string;
  pulumiCommand: PulumiCommand;
  measured: (emu: EmulatorProcess, key: string, op: () => Promise<unknown>) => Promise<void>;
}): Promise<Record<string, number>> {
  const state: Record<string, number> = {};
  for (const L of opts.latencies) {
    const emu = await opts.emulator(L);
    for (const graph of opts.graphs) {
      const isLong = graph.length > opts.fullUpTo;
      if (isLong && !opts.long && L !== Math.min(...opts.latencies)) continue;
      await emu.resetStore();
      const { stateBytesPerTask } = await sprintLifecycle({
        emu,
        graph,
        token: opts.token,
        pulumiCommand: opts.pulumiCommand,
        full: !isLong || opts.long,
        measure: (op, run) => opts.measured(emu, sprintKey(op, graph.length, L), run),
      });
      state[`n${graph.length}/${L}ms`] = stateBytesPerTask;
      if (L === Math.min(...opts.latencies)) await bulkCommand(emu, graph, opts);
    }
  }
  return state;
}

/** Results key of `pulumi-acp up --bulk` at `n` tasks (0 ms emulator). */
export function bulkKey(op: "up" | "destroy", n: number): string {
  return `${op} --bulk/sprint/n${n}/0ms`;
}

/**
 * `pulumi-acp up --bulk` of the graph's sprint file on an emptied emulator, then its destroy:
 * the Sprint as the command declares it (the plugin, the state in the working directory).
 */
async function bulkCommand(
  emu: EmulatorProcess,
  graph: GraphNode[],
  opts: {
    token: string;
    measured: (emu: EmulatorProcess, key: string, op: () => Promise<unknown>) => Promise<void>;
  },
): Promise<void> {
  await emu.resetStore();
  const where = doorDir("command", "bulk", graph);
  const run = (op: "up" | "destroy") => () =>
    commandRun({ where, op, fast: false, emu, token: opts.token, design: "sprint" });
  try {
    await opts.measured(emu, bulkKey("up", graph.length), run("up"));
    const created = (await emu.tasks()).length;
    if (created !== graph.length)
      throw new Error(`up --bulk created ${created}, not ${graph.length}`);
    await opts.measured(emu, bulkKey("destroy", graph.length), run("destroy"));
    const left = (await emu.tasks()).length;
    if (left !== 0) throw new Error(`destroy of the --bulk stack left ${left} tasks`);
  } finally {
    fs.rmSync(where.dir, { recursive: true, force: true });
  }
}

/** Results keys of the per-task figures the Sprint is compared with (see run.ts). */
const PER_TASK = [
  ["engine floor", "floor"],
  ["dynamic provider", "acp"],
  ["plugin, one resource per task", "plugin"],
  ["dynamic provider --fast", "acp-fast"],
  ["dynamic provider --fast (command section, bare)", "bare-fast"],
] as const;

/** The done-when ratios: Sprint against the floor at N = 500 / 0 ms, and growth to 10 × N. */
export function sprintRatios(results: Record<string, Figure>, latencies: number[]) {
  const s = (op: string, n: number, L: number) => results[sprintKey(op, n, L)]?.seconds.median;
  const floor = (op: string) => results[`${op}/floor/n${SPRINT_BASE}/0ms`]?.seconds.median;
  const ratio = (a?: number, b?: number) => (a !== undefined && b ? a / b : undefined);
  return {
    upOverFloorUp: ratio(s("up", SPRINT_BASE, 0), floor("up")),
    destroyOverFloorDestroy: ratio(s("destroy", SPRINT_BASE, 0), floor("destroy")),
    bulkGrowth: ratio(
      results[bulkKey("up", SPRINT_BASE * 10)]?.seconds.median,
      10 * (results[bulkKey("up", SPRINT_BASE)]?.seconds.median ?? NaN),
    ),
    growth: Object.fromEntries(
      latencies.map((L) => {
        const base = s("up", SPRINT_BASE, L);
        return [
          `${L}ms`,
          ratio(s("up", SPRINT_BASE * 10, L), base === undefined ? undefined : 10 * base),
        ];
      }),
    ) as Record<string, number | undefined>,
  };
}

function fmt(x: number | undefined, digits = 2): string {
  return x === undefined || Number.isNaN(x) ? "–" : x.toFixed(digits);
}

/** The section's tables, as Markdown lines. */
export function sprintTable(
  results: Record<string, Figure>,
  sizes: number[],
  latencies: number[],
  state: Record<string, number>,
): string[] {
  const lines = [
    "",
    "The bulk `Sprint` (acp:index:Sprint through the `acp` plugin, one resource for the whole graph, its default concurrency), same graph, 0 ms and 50 ms emulator. Preview: no-op, right after the up. Edit 10%: every tenth task's title changes. Seconds and API calls; state: the exported deployment's bytes per task.",
    "",
    "| N | Latency | up (s) | no-op preview (s) | edit 10% (s) | refresh (s) | destroy (s) | API calls: up / preview / edit / refresh / destroy | state bytes per task |",
    "|---:|---:|---:|---:|---:|---:|---:|---|---:|",
  ];
  for (const L of latencies) {
    for (const n of sizes) {
      const r = SPRINT_OPS.map((op) => results[sprintKey(op, n, L)]);
      if (r.every((x) => x === undefined)) continue;
      lines.push(
        `| ${n} | ${L} ms | ${r.map((x) => fmt(x?.seconds.median)).join(" | ")} | ${r.map((x) => x?.apiCalls ?? "–").join(" / ")} | ${fmt(state[`n${n}/${L}ms`], 0)} |`,
      );
    }
  }
  const per = (op: string, kind: string) => results[`${op}/${kind}/n${SPRINT_BASE}/0ms`];
  const perTask = PER_TASK.filter(([, kind]) => per("up", kind) !== undefined);
  const sprintOp = (op: string) => results[sprintKey(op, SPRINT_BASE, 0)];
  if (sprintOp("up") && perTask.length > 0) {
    lines.push(
      "",
      `At N = ${SPRINT_BASE}, 0 ms, beside the per-task designs this run measured (seconds; the engine and fast sections at parallelism set by BENCH_PARALLEL, the command section at the engine's default).`,
      "",
      "| Design | up (s) | no-op preview (s) | destroy (s) |",
      "|---|---:|---:|---:|",
      `| Sprint | ${fmt(sprintOp("up")?.seconds.median)} | ${fmt(sprintOp("preview")?.seconds.median)} | ${fmt(sprintOp("destroy")?.seconds.median)} |`,
      ...perTask.map(
        ([label, kind]) =>
          `| ${label} | ${fmt(per("up", kind)?.seconds.median)} | ${fmt(per("preview", kind)?.seconds.median)} | ${fmt(per("destroy", kind)?.seconds.median)} |`,
      ),
    );
  }
  const bulk = sizes.filter((n) => results[bulkKey("up", n)] !== undefined);
  if (bulk.length > 0) {
    lines.push(
      "",
      "Through the command, `pulumi-acp up --bulk` of the same graph's sprint file (0 ms; the command's own file backend, the plugin from the package), then its `destroy`:",
      "",
      "| N | up --bulk (s) | destroy (s) | API calls: up / destroy |",
      "|---:|---:|---:|---|",
      ...bulk.map((n) => {
        const [up, down] = [results[bulkKey("up", n)], results[bulkKey("destroy", n)]];
        return `| ${n} | ${fmt(up?.seconds.median)} | ${fmt(down?.seconds.median)} | ${up?.apiCalls ?? "–"} / ${down?.apiCalls ?? "–"} |`;
      }),
    );
  }
  const q = sprintRatios(results, latencies);
  lines.push(
    "",
    "| Ratio | value | target |",
    "|---|---:|---:|",
    `| Sprint up / floor up (N = ${SPRINT_BASE}, 0 ms) | ${fmt(q.upOverFloorUp, 3)} | ≤ 0.1 |`,
    `| Sprint destroy / floor destroy (N = ${SPRINT_BASE}, 0 ms) | ${fmt(q.destroyOverFloorDestroy, 3)} | ≤ 0.1 |`,
    ...latencies.map(
      (L) =>
        `| Sprint up at ${SPRINT_BASE * 10} / (10 × up at ${SPRINT_BASE}), ${L} ms | ${fmt(q.growth[`${L}ms`], 3)} | ≤ 1 |`,
    ),
    `| pulumi-acp up --bulk at ${SPRINT_BASE * 10} / (10 × at ${SPRINT_BASE}), 0 ms | ${fmt(q.bulkGrowth, 3)} | ≤ 1 |`,
  );
  return lines;
}
