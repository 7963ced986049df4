/**
 * `npm run bench`: the provider's cost against the engine floor and the raw API, and the
 * `pulumi-acp` command against the bare engine, measured side by side in one run against the
 * emulator (a separate process). Writes bench/results/latest.json and bench/results/latest.md.
 * Reports figures; exits non-zero only when something broke.
 *
 * A plain `npm run bench` must finish in under 20 minutes on 2 shared cores: it runs the engine
 * section at 0 ms (N = 100 up and the N = 500 lifecycle, one repetition per provider kind), the
 * command section at N = 500 (one lifecycle per door and mode), the sprint section (the N = 500
 * lifecycle at 0 and 50 ms, the N = 5,000 up at 0 ms; 1 to 2 min alone, by the load) and the
 * client section. The rest is behind variables: BENCH_LONG=1 adds N = 2,000 to the engine,
 * command and fast sections (one to two hours more) and the sprint section's whole lifecycle at
 * N = 5,000 at both latencies (3 to 8 min more, by the load); BENCH_LATENCIES=0,50 adds the 50 ms rows (about 2.5 min); BENCH_SECTIONS adds
 * the fast section (about 4 min; the command section's bare columns measure the same modes).
 *
 * Sections (BENCH_SECTIONS, comma-separated; default "engine,command,sprint,client"; a run of other
 * sections writes bench/results/latest-<sections>.*):
 * - engine: a = pulumi-acp's dynamic resources, p = the plugin, b = the floor, c = the raw API.
 * - command (./command-section.ts): `pulumi-acp up|preview|refresh|destroy` and a 10% edit
 *   against a plain Automation API program, default and --fast.
 * - sprint (./sprint-section.ts): the bulk Sprint resource through the plugin (up, no-op preview,
 *   10% edit, refresh, destroy), beside the per-task figures of the same run at N = 500 / 0 ms.
 * - fast: the Automation API program with and without PULUMI_SKIP_CHECKPOINTS (up, 10% edit,
 *   destroy), with the server's contents compared.
 * - client: AcpClient against bare undici.
 * A new section: a function of its own file that runs its lifecycles through `measured` and
 * returns its table's lines from `results` (as command-section.ts does), and its name here.
 *
 * Settings (environment): BENCH_LONG (1: add the long sizes to the default size lists),
 * BENCH_PARALLEL (engine parallelism of the engine and fast sections, default 8; the command
 * section uses the engine's default, as the command does), BENCH_SIZES (default "100,500", with
 * BENCH_LONG "100,500,2000"), BENCH_REPS_SMALL (repetitions below the main size, default 1),
 * BENCH_REPS_LARGE (repetitions at the main size, the largest below 2,000, where the full
 * lifecycle, state sizes and PULUMI_PARALLEL_DIFF are measured; default 1), BENCH_REPS_LONG
 * (repetitions at long sizes, default 1), BENCH_REPS_LATENCY (repetitions at 50 ms, default 1),
 * BENCH_LATENCIES (default "0"; long sizes run at the lowest only), BENCH_COMMAND_SIZES (default
 * "500", with BENCH_LONG "500,2000"), BENCH_COMMAND_REPS (default 2), BENCH_COMMAND_MODES
 * (default "default,fast"), BENCH_CLIENT_COUNT (default
 * 10000), BENCH_CLIENT_CONCURRENCY (default: the parallelism), BENCH_FAST_SIZES (default
 * "100,500", with BENCH_LONG "100,500,2000"), BENCH_FAST_REPS (default 1), BENCH_FAST_REPS_LONG
 * (default 1), BENCH_SPRINT_SIZES (default "500,5000"), BENCH_SPRINT_LATENCIES (default "0,50").
 * The emulator's store and the embedded emulator have their own scripts:
 * bench/emulator-store.ts and bench/embedded-emulator.ts.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { PulumiCommand } from "@pulumi/pulumi/automation";
import { ensurePulumi, localPulumiCommand, REPO_ROOT } from "../provider/cli/engine";
import { fastEngineEnv, newFastRunId } from "../provider/cli/fast";
import { parseRunTag, withoutProviderMetadata } from "../provider/core/run-tag";
import { commandSection, commandTable } from "./command-section";
import { startEmulator, type EmulatorProcess } from "./emulator-process";
import { createBenchStack, removeBenchStack, timed, WORK_ROOT, type BenchStack } from "./engine";
import { installFloor } from "./floor";
import { graphProgram } from "./programs";
import { buildGraph, graphShape, type GraphNode } from "./graph";
import type { ProviderKind } from "./programs";
import { rawCreate } from "./raw";
import { sprintRatios, sprintSection, sprintTable } from "./sprint-section";

const RESULTS_DIR = path.join(__dirname, "results");

function intEnv(name: string, fallback: number): number {
  const v = process.env[name];
  return v === undefined || v.trim() === "" ? fallback : Number(v);
}
function listEnv(name: string, fallback: number[]): number[] {
  const v = process.env[name];
  return v === undefined || v.trim() === "" ? fallback : v.split(",").map(Number);
}

const PARALLEL = intEnv("BENCH_PARALLEL", 8);
/** Sizes from this many tasks up are long: a plain run leaves them out. */
const LONG_FROM = 2000;
const LONG = ["1", "true"].includes(process.env.BENCH_LONG?.trim() ?? "");
const SIZES = listEnv("BENCH_SIZES", LONG ? [100, 500, 2000] : [100, 500]);
/** The size of the full lifecycle's repetitions: the largest one below the long sizes. */
const MAIN = Math.max(...SIZES.filter((n) => n < LONG_FROM), Math.min(...SIZES));
const REPS_SMALL = intEnv("BENCH_REPS_SMALL", 1);
const REPS_LARGE = intEnv("BENCH_REPS_LARGE", 1);
const REPS_LONG = intEnv("BENCH_REPS_LONG", 1);
const REPS_LATENCY = intEnv("BENCH_REPS_LATENCY", 1);
const LATENCIES = listEnv("BENCH_LATENCIES", [0]);
const CLIENT_COUNT = intEnv("BENCH_CLIENT_COUNT", 10_000);
const CLIENT_CONCURRENCY = intEnv("BENCH_CLIENT_CONCURRENCY", PARALLEL);
const FAST_SIZES = listEnv("BENCH_FAST_SIZES", LONG ? [100, 500, 2000] : [100, 500]);
const FAST_REPS = intEnv("BENCH_FAST_REPS", 1);
const FAST_REPS_LONG = intEnv("BENCH_FAST_REPS_LONG", 1);
/** The sections a plain run has; `fast` (covered by the command section's bare columns) is extra. */
const DEFAULT_SECTIONS = ["engine", "command", "sprint", "client"];
const SECTIONS = new Set(
  (process.env.BENCH_SECTIONS?.trim() || DEFAULT_SECTIONS.join(","))
    .split(",")
    .map((x) => x.trim()),
);
const COMMAND_SIZES = listEnv("BENCH_COMMAND_SIZES", LONG ? [500, 2000] : [500]);
const COMMAND_REPS = intEnv("BENCH_COMMAND_REPS", 2);
/** The command section's modes: "default,fast" unless BENCH_COMMAND_MODES names one. */
const COMMAND_MODES = (process.env.BENCH_COMMAND_MODES?.trim() || "default,fast")
  .split(",")
  .map((m) => m.trim());
for (const m of COMMAND_MODES) {
  if (m !== "default" && m !== "fast") {
    throw new Error(`BENCH_COMMAND_MODES: unknown mode "${m}": give default, fast or both`);
  }
}
const SPRINT_SIZES = listEnv("BENCH_SPRINT_SIZES", [500, 5000]);
const SPRINT_LATENCIES = listEnv("BENCH_SPRINT_LATENCIES", [0, 50]);
/** The fast-mode comparison's operations, in the order they run on one stack. */
const FAST_OPS = ["up", "edit 10%", "destroy"] as const;
const TOKEN = `bench-token-${process.pid}`;

/** One measured figure: every repetition's value and their median. */
interface Figure {
  samples: number[];
  median: number;
}
/** Figures of one operation with one provider at one size and latency. */
interface OpResult {
  seconds: Figure;
  apiCalls?: number;
  connectionsOpened?: number;
}
type Key = string;

const results: Record<Key, OpResult> = {};
const notes: string[] = [];
const loadSamples: number[] = [];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
function key(op: string, kind: string, n: number, latencyMs: number): Key {
  return `${op}/${kind}/n${n}/${latencyMs}ms`;
}
function record(
  k: Key,
  seconds: number,
  counts?: { apiCalls?: number; connectionsOpened?: number },
) {
  const r = (results[k] ??= { seconds: { samples: [], median: 0 } });
  r.seconds.samples.push(seconds);
  r.seconds.median = median(r.seconds.samples);
  // Counts are deterministic; the last repetition's are kept (they are checked equal below).
  if (counts?.apiCalls !== undefined) {
    if (r.apiCalls !== undefined && r.apiCalls !== counts.apiCalls) {
      notes.push(
        `${k}: API calls differ between repetitions (${r.apiCalls} then ${counts.apiCalls})`,
      );
    }
    r.apiCalls = counts.apiCalls;
  }
  if (counts?.connectionsOpened !== undefined) {
    r.connectionsOpened = Math.max(r.connectionsOpened ?? 0, counts.connectionsOpened);
  }
  log(
    `${k}: ${seconds.toFixed(2)} s${counts?.apiCalls !== undefined ? `, ${counts.apiCalls} API calls` : ""}${counts?.connectionsOpened !== undefined ? `, ${counts.connectionsOpened} connections` : ""}`,
  );
}
function log(line: string): void {
  loadSamples.push(os.loadavg()[0]);
  process.stderr.write(
    `[bench ${new Date().toISOString().slice(11, 19)} load ${os.loadavg()[0].toFixed(2)}] ${line}\n`,
  );
}

/** Runs `op` on a stack, timed, with the emulator's counters for just that operation. */
async function measured(emu: EmulatorProcess, k: Key, op: () => Promise<unknown>): Promise<void> {
  await emu.resetStats();
  const t = await timed(op);
  const stats = await emu.stats();
  record(k, t.seconds, {
    apiCalls: stats.totalRequests,
    connectionsOpened: stats.connectionsOpened,
  });
}

/** State sizes of a stack that has just been brought up. */
async function stateSizes(s: BenchStack, n: number) {
  const deployment = await s.stack.exportStack();
  const exported = JSON.stringify(deployment);
  const resources = (deployment.deployment?.resources ?? []) as Array<{
    type: string;
    inputs?: Record<string, unknown>;
  }>;
  const task = resources.find((r) => r.type.startsWith("pulumi-nodejs:dynamic/"));
  const provider = String(task?.inputs?.__provider ?? "");
  const stacksDir = path.join(s.workDir, "state", ".pulumi", "stacks");
  let storedBytes = 0;
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name.endsWith(".json")) storedBytes += fs.statSync(full).size;
    }
  };
  walk(stacksDir);
  return {
    exportedBytes: exported.length,
    exportedBytesPerTask: exported.length / n,
    storedBytes,
    storedBytesPerTask: storedBytes / n,
    serializedProviderBytes: provider.length,
    serializedProvider: provider.length <= 600 ? provider : `${provider.slice(0, 600)}…`,
  };
}

async function engineLifecycle(opts: {
  emu: EmulatorProcess;
  kind: ProviderKind;
  graph: GraphNode[];
  pulumiCommand: PulumiCommand;
  full: boolean;
  parallelDiff: boolean;
  sizes: boolean;
}): Promise<Record<string, unknown> | undefined> {
  const { emu, kind, graph } = opts;
  const n = graph.length;
  const L = emu.latencyMs;
  await emu.resetStore();
  const s = await createBenchStack({
    kind,
    graph,
    baseUrl: emu.baseUrl,
    token: TOKEN,
    pulumiCommand: opts.pulumiCommand,
  });
  let sizes: Record<string, unknown> | undefined;
  try {
    await measured(emu, key("up", kind, n, L), () => s.stack.up({ parallel: PARALLEL }));
    if (opts.sizes) sizes = await stateSizes(s, n);
    if (opts.full) {
      await measured(emu, key("preview", kind, n, L), () =>
        s.stack.preview({ parallel: PARALLEL }),
      );
      if (opts.parallelDiff) {
        const env = (s.stack.workspace as unknown as { envVars: Record<string, string> }).envVars;
        env.PULUMI_PARALLEL_DIFF = "true";
        await measured(emu, key("preview+PULUMI_PARALLEL_DIFF", kind, n, L), () =>
          s.stack.preview({ parallel: PARALLEL }),
        );
        delete env.PULUMI_PARALLEL_DIFF;
      }
      await measured(emu, key("refresh", kind, n, L), () =>
        s.stack.refresh({ parallel: PARALLEL }),
      );
      await measured(emu, key("destroy", kind, n, L), () =>
        s.stack.destroy({ parallel: PARALLEL }),
      );
    }
  } finally {
    removeBenchStack(s);
  }
  return sizes;
}

/**
 * The server's tasks as comparable text: title, description, priority, metadata (less a fast
 * run's tag, which is the one intended difference) and dependencies by title.
 */
async function serverContents(emu: EmulatorProcess): Promise<string> {
  const tasks = await emu.tasks();
  const titles = new Map(tasks.map((t) => [t.id, String(t.title)]));
  return tasks
    .map((t) =>
      JSON.stringify([
        t.title,
        t.description,
        t.priority,
        withoutProviderMetadata(t.metadata),
        ((t.dependencyIds as string[]) ?? []).map((d) => titles.get(d)).sort(),
      ]),
    )
    .sort()
    .join("\n");
}

/** Server contents after each fast-comparison operation, by size and mode, to compare. */
const contents = new Map<string, string>();
/** Tasks a fast run created without its run tag (there should be none). */
let unmarkedFastTasks = 0;

/**
 * One lifecycle of the fast comparison: up, an edit of every tenth task's title, destroy, on a
 * fresh stack, in the default mode or in the fast mode exactly as `pulumi-acp --fast` runs it
 * (no intermediate checkpoints, a run id, so every create carries the run tag).
 */
async function fastLifecycle(opts: {
  emu: EmulatorProcess;
  graph: GraphNode[];
  mode: "default" | "fast";
  pulumiCommand: PulumiCommand;
}): Promise<void> {
  const { emu, graph, mode } = opts;
  const n = graph.length;
  await emu.resetStore();
  const s = await createBenchStack({
    kind: "acp",
    graph,
    baseUrl: emu.baseUrl,
    token: TOKEN,
    pulumiCommand: opts.pulumiCommand,
    envVars: fastEngineEnv({
      fast: mode === "fast",
      runId: mode === "fast" ? newFastRunId() : undefined,
    }),
  });
  const kind = `acp-${mode}`;
  const compare = async (op: string) => {
    const text = await serverContents(emu);
    const k = `${op}/n${n}`;
    const other = contents.get(k);
    if (other === undefined) contents.set(k, text);
    else if (other !== text)
      notes.push(`fast comparison: server contents after ${op} at N = ${n} differ (${mode})`);
  };
  try {
    await measured(emu, key("up", kind, n, 0), () => s.stack.up({ parallel: PARALLEL }));
    await compare("up");
    if (mode === "fast") {
      unmarkedFastTasks += (await emu.tasks()).filter((t) => !parseRunTag(t.metadata)).length;
    }
    const edited = new Set(graph.filter((_, i) => i % 10 === 0).map((node) => node.key));
    s.stack.workspace.program = graphProgram("acp", graph, edited);
    await measured(emu, key("edit 10%", kind, n, 0), () => s.stack.up({ parallel: PARALLEL }));
    await compare("edit 10%");
    await measured(emu, key("destroy", kind, n, 0), () => s.stack.destroy({ parallel: PARALLEL }));
    await compare("destroy");
  } finally {
    removeBenchStack(s);
  }
}

async function rawRun(emu: EmulatorProcess, graph: GraphNode[]): Promise<void> {
  await emu.resetStore();
  await measured(emu, key("up", "raw", graph.length, emu.latencyMs), () =>
    rawCreate(graph, emu.baseUrl, TOKEN, PARALLEL),
  );
}

function clientRun(mode: "client" | "bare", emu: EmulatorProcess): Record<string, number> {
  const out = execFileSync(
    process.execPath,
    [
      "-r",
      "ts-node/register/transpile-only",
      path.join(__dirname, "client-bench.ts"),
      mode,
      emu.baseUrl,
      TOKEN,
      String(CLIENT_COUNT),
      String(CLIENT_CONCURRENCY),
    ],
    { cwd: __dirname, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  const line = JSON.parse(out.trim().split("\n").pop() as string) as Record<string, number>;
  log(
    `client ${mode}: ${line.seconds.toFixed(2)} s, cpu ${line.cpuSeconds.toFixed(2)} s, peak RSS ${line.peakRssMb.toFixed(0)} MB`,
  );
  return line;
}

function pulumiVersion(binDir: string): string {
  try {
    return execFileSync(path.join(binDir, "pulumi"), ["version"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

function fmt(x: number | undefined, digits = 2): string {
  return x === undefined || Number.isNaN(x) ? "–" : x.toFixed(digits);
}

async function main(): Promise<void> {
  const started = Date.now();
  if (!fs.existsSync(path.join(REPO_ROOT, "node_modules", "pulumi-acp", "package.json"))) {
    throw new Error(
      "pulumi-acp is not installed in node_modules: run npm run build (or npm ci) first",
    );
  }
  installFloor();
  const binDir = ensurePulumi();
  const pulumiCommand = await localPulumiCommand(binDir);
  const loadStart = os.loadavg();
  const emulators = new Map<number, EmulatorProcess>();
  for (const L of LATENCIES) emulators.set(L, await startEmulator(TOKEN, L));
  const sizes: Record<string, unknown> = {};
  const client: Record<string, Record<string, number>[]> = { client: [], bare: [] };
  let sprintState: Record<string, number> = {};
  const graphs = new Map(
    [...SIZES, ...FAST_SIZES, ...COMMAND_SIZES, ...SPRINT_SIZES].map((n) => [n, buildGraph(n)]),
  );
  try {
    for (const L of SECTIONS.has("engine") ? LATENCIES : []) {
      const emu = emulators.get(L) as EmulatorProcess;
      for (const n of SIZES) {
        const graph = graphs.get(n) as GraphNode[];
        // A long size at a latency would take hours: the lowest latency only.
        if (n >= LONG_FROM && L !== Math.min(...LATENCIES)) continue;
        const reps =
          L !== 0
            ? REPS_LATENCY
            : n >= LONG_FROM
              ? REPS_LONG
              : n === MAIN
                ? REPS_LARGE
                : REPS_SMALL;
        // The floor makes no network call, so the API's latency cannot change it: it is run
        // at 0 ms only, and the 50 ms rows are compared with it.
        const kinds: ProviderKind[] = L === 0 ? ["acp", "plugin", "floor"] : ["acp", "plugin"];
        for (let rep = 0; rep < reps; rep++) {
          // a, b and c alternate within each repetition, so that a change in the machine's
          // load falls on all three.
          for (const kind of kinds) {
            const s = await engineLifecycle({
              emu,
              kind,
              graph,
              pulumiCommand,
              full: n >= MAIN,
              parallelDiff: n === MAIN && L === 0 && rep === 0,
              sizes: n === MAIN && L === 0 && rep === 0,
            });
            if (s) sizes[kind] = s;
          }
          await rawRun(emu, graph);
        }
      }
    }
    const emu0 = emulators.get(Math.min(...LATENCIES)) as EmulatorProcess;
    for (const n of SECTIONS.has("fast") ? FAST_SIZES : []) {
      const reps = n >= LONG_FROM ? FAST_REPS_LONG : FAST_REPS;
      for (let rep = 0; rep < reps; rep++) {
        // The two modes alternate, so that a change in the machine's load falls on both.
        for (const mode of ["default", "fast"] as const) {
          await fastLifecycle({
            emu: emu0,
            graph: graphs.get(n) as GraphNode[],
            mode,
            pulumiCommand,
          });
        }
      }
    }
    if (SECTIONS.has("command")) {
      await commandSection({
        emu: emu0,
        graphs: COMMAND_SIZES.map((n) => graphs.get(n) as GraphNode[]),
        repetitions: COMMAND_REPS,
        modes: COMMAND_MODES,
        token: TOKEN,
        binDir,
        measured: (k, op) => measured(emu0, k, op),
      });
    }
    if (SECTIONS.has("sprint")) {
      sprintState = await sprintSection({
        // A latency the run has no emulator for gets one, stopped with the others.
        emulator: async (L) => {
          if (!emulators.has(L)) emulators.set(L, await startEmulator(TOKEN, L));
          return emulators.get(L) as EmulatorProcess;
        },
        graphs: SPRINT_SIZES.map((n) => graphs.get(n) as GraphNode[]),
        latencies: SPRINT_LATENCIES,
        // At a long size a plain run measures the up alone, at the lowest latency: it shows the
        // growth from N = 500; the other operations (and the 50 ms up) take minutes there.
        fullUpTo: LONG_FROM - 1,
        long: LONG,
        token: TOKEN,
        pulumiCommand,
        measured,
      });
    }
    for (let rep = 0; rep < (SECTIONS.has("client") ? 2 : 0); rep++) {
      for (const mode of ["bare", "client"] as const) client[mode].push(clientRun(mode, emu0));
    }
  } finally {
    for (const emu of emulators.values()) await emu.stop();
    fs.rmSync(WORK_ROOT, { recursive: true, force: true });
  }

  const loadEnd = os.loadavg();
  const clientMedian = (mode: string, field: string) =>
    client[mode].length > 0 ? median(client[mode].map((r) => r[field])) : NaN;
  const report = {
    date: new Date().toISOString(),
    durationSeconds: (Date.now() - started) / 1000,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryGb: os.totalmem() / 2 ** 30,
      node: process.version,
      pulumi: pulumiVersion(binDir),
      loadAverage: {
        start: loadStart,
        end: loadEnd,
        maxSampled1m: Math.max(...loadSamples),
        medianSampled1m: median(loadSamples),
      },
    },
    settings: {
      sections: [...SECTIONS],
      command: { sizes: COMMAND_SIZES, repetitions: COMMAND_REPS, modes: COMMAND_MODES },
      sprint: {
        sizes: SPRINT_SIZES,
        latenciesMs: SPRINT_LATENCIES,
        longSizes: LONG ? "every operation and latency" : "up at the lowest latency",
      },
      long: LONG,
      fast: { sizes: FAST_SIZES, repetitions: FAST_REPS, repetitionsLong: FAST_REPS_LONG },
      parallel: PARALLEL,
      sizes: SIZES,
      latenciesMs: LATENCIES,
      repetitions: {
        small: REPS_SMALL,
        large: REPS_LARGE,
        long: REPS_LONG,
        latency: REPS_LATENCY,
      },
      client: { count: CLIENT_COUNT, concurrency: CLIENT_CONCURRENCY },
      graph: Object.fromEntries(
        SIZES.map((n) => [
          n,
          { seed: 42, layers: 10, ...graphShape(graphs.get(n) as GraphNode[]) },
        ]),
      ),
    },
    results,
    fast: fastSummary(),
    state: sizes,
    sprint: SECTIONS.has("sprint")
      ? { stateBytesPerTask: sprintState, ratios: sprintRatios(results, SPRINT_LATENCIES) }
      : undefined,
    client: {
      runs: client,
      bareSeconds: clientMedian("bare", "seconds"),
      clientSeconds: clientMedian("client", "seconds"),
      overheadRatio: clientMedian("client", "seconds") / clientMedian("bare", "seconds"),
      cpuRatio: clientMedian("client", "cpuSeconds") / clientMedian("bare", "cpuSeconds"),
      peakRssMb: {
        bare: clientMedian("bare", "peakRssMb"),
        client: clientMedian("client", "peakRssMb"),
      },
      peakHeapMb: {
        bare: clientMedian("bare", "peakHeapMb"),
        client: clientMedian("client", "peakHeapMb"),
      },
    },
    notes,
  };
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  // A run of some sections only does not replace the figures of a whole run.
  const stem =
    DEFAULT_SECTIONS.every((x) => SECTIONS.has(x)) && SECTIONS.size === DEFAULT_SECTIONS.length
      ? "latest"
      : `latest-${[...SECTIONS].join("-")}`;
  fs.writeFileSync(path.join(RESULTS_DIR, `${stem}.json`), `${JSON.stringify(report, null, 2)}\n`);
  const md = markdown(report);
  fs.writeFileSync(path.join(RESULTS_DIR, `${stem}.md`), md);
  process.stdout.write(md);
}

/** The fast comparison: per operation and size, both medians, their ratio and the contents check. */
function fastSummary() {
  const rows: Array<{
    op: string;
    n: number;
    defaultSeconds?: number;
    fastSeconds?: number;
    ratio?: number;
    sameContents: boolean;
  }> = [];
  for (const n of SECTIONS.has("fast") ? FAST_SIZES : []) {
    for (const op of FAST_OPS) {
      const d = results[key(op, "acp-default", n, 0)]?.seconds.median;
      const f = results[key(op, "acp-fast", n, 0)]?.seconds.median;
      const differs = notes.some((line) => line.includes(`after ${op} at N = ${n} differ`));
      rows.push({
        op,
        n,
        defaultSeconds: d,
        fastSeconds: f,
        ratio: d && f ? f / d : undefined,
        sameContents: !differs,
      });
    }
  }
  return { rows, unmarkedFastTasks };
}

function markdown(report: {
  date: string;
  durationSeconds: number;
  machine: {
    cpus: number;
    cpuModel?: string;
    node: string;
    pulumi: string;
    loadAverage: { start: number[]; end: number[]; maxSampled1m: number; medianSampled1m: number };
  };
  state: Record<string, unknown>;
  sprint?: { stateBytesPerTask: Record<string, number> };
  client: {
    bareSeconds: number;
    clientSeconds: number;
    overheadRatio: number;
    cpuRatio: number;
    peakRssMb: Record<string, number>;
    peakHeapMb: Record<string, number>;
  };
}): string {
  const lines: string[] = [];
  const m = report.machine;
  lines.push(`# pulumi-acp benchmark, ${report.date}`, "");
  lines.push(
    `${m.cpus} × ${m.cpuModel ?? "?"}, Node ${m.node}, pulumi ${m.pulumi}; engine parallelism ${PARALLEL}; ` +
      `load average (1 min) ${m.loadAverage.start[0].toFixed(2)} at start, ${m.loadAverage.end[0].toFixed(2)} at end, ` +
      `median ${m.loadAverage.medianSampled1m.toFixed(2)} / max ${m.loadAverage.maxSampled1m.toFixed(2)} during the run; ` +
      `run took ${(report.durationSeconds / 60).toFixed(1)} min.`,
  );
  if (SECTIONS.has("engine")) {
    lines.push(
      "",
      "Times are medians in seconds (repetitions in bench/results/latest.json). a = pulumi-acp's dynamic resources, p = the `acp` provider plugin, b = engine floor (same graph, dynamic provider without network), c = raw API (undici, dependency order, same parallelism).",
      "",
      "| Operation | N | Latency | a (s) | p (s) | b (s) | a/b | p/b | c (s) | (a−b)/c | API calls (a) | API calls (p) | TCP conns (a) |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    );
  }
  const ops = ["up", "preview", "preview+PULUMI_PARALLEL_DIFF", "refresh", "destroy"];
  for (const L of SECTIONS.has("engine") ? LATENCIES : []) {
    for (const n of SIZES) {
      for (const op of ops) {
        const a = results[key(op, "acp", n, L)];
        if (!a) continue;
        const p = results[key(op, "plugin", n, L)];
        const pm = p?.seconds.median;
        const b = results[key(op, "floor", n, Math.min(...LATENCIES))];
        const c = op === "up" ? results[key("up", "raw", n, L)] : undefined;
        const am = a.seconds.median;
        const bm = b?.seconds.median;
        const cm = c?.seconds.median;
        lines.push(
          `| ${op} | ${n} | ${L} ms | ${fmt(am)} | ${fmt(pm)} | ${fmt(bm)}${L !== Math.min(...LATENCIES) && bm !== undefined ? "†" : ""} | ${bm ? fmt(am / bm) : "–"} | ${bm && pm !== undefined ? fmt(pm / bm) : "–"} | ${fmt(cm)} | ${bm !== undefined && cm ? fmt((am - bm) / cm, 1) : "–"} | ${a.apiCalls ?? "–"} | ${p?.apiCalls ?? "–"} | ${a.connectionsOpened ?? "–"} |`,
        );
      }
    }
  }
  if (SECTIONS.has("engine") && LATENCIES.length > 1) {
    lines.push("", "† the floor makes no network call: its 0 ms figure.");
  }
  const fast = fastSummary();
  if (fast.rows.length > 0) {
    lines.push(
      "",
      `Fast mode (\`--fast\`: the state written once per run) beside the default, 0 ms, parallelism ${PARALLEL}; medians of ${FAST_REPS} repetition(s) (${FAST_REPS_LONG} at ${LONG_FROM} tasks and more). Edit 10%: every tenth task's title changes.`,
      "",
      "| Operation | N | default (s) | fast (s) | fast/default | same server contents |",
      "|---|---:|---:|---:|---:|---|",
      ...fast.rows.map(
        (r) =>
          `| ${r.op} | ${r.n} | ${fmt(r.defaultSeconds)} | ${fmt(r.fastSeconds)} | ${fmt(r.ratio)} | ${r.sameContents ? "yes" : "NO"} |`,
      ),
    );
    if (fast.unmarkedFastTasks > 0) {
      lines.push("", `${fast.unmarkedFastTasks} task(s) of fast runs lacked the run tag.`);
    }
  }
  if (SECTIONS.has("command")) lines.push(...commandTable(results, COMMAND_SIZES, PARALLEL));
  if (report.sprint) {
    lines.push(
      ...sprintTable(results, SPRINT_SIZES, SPRINT_LATENCIES, report.sprint.stateBytesPerTask),
    );
  }
  const st = report.state as Record<string, Record<string, number> | undefined>;
  if (st.acp) {
    lines.push("", "| State | a: dynamic | p: plugin | b: floor |", "|---|---:|---:|---:|");
  }
  for (const [label, field] of st.acp
    ? ([
        ["exported deployment, bytes per task (secrets shown)", "exportedBytesPerTask"],
        ["stored state file, bytes per task", "storedBytesPerTask"],
        ["serialized provider, bytes", "serializedProviderBytes"],
      ] as const)
    : []) {
    lines.push(
      `| ${label} | ${fmt(st.acp?.[field], 0)} | ${fmt(st.plugin?.[field], 0)} | ${fmt(st.floor?.[field], 0)} |`,
    );
  }
  const c = report.client;
  if (SECTIONS.has("client"))
    lines.push(
      "",
      `Client alone: ${CLIENT_COUNT} retrievals at concurrency ${CLIENT_CONCURRENCY}: AcpClient ${fmt(c.clientSeconds)} s, bare undici ${fmt(c.bareSeconds)} s, ` +
        `wall-time ratio ${fmt(c.overheadRatio, 3)}, client-process CPU ratio ${fmt(c.cpuRatio, 3)}; peak RSS ${fmt(c.peakRssMb.client, 0)} MB vs ${fmt(c.peakRssMb.bare, 0)} MB, peak heap ${fmt(c.peakHeapMb.client, 0)} MB vs ${fmt(c.peakHeapMb.bare, 0)} MB.`,
    );
  if (notes.length) lines.push("", "Notes:", ...notes.map((n) => `- ${n}`));
  return `${lines.join("\n")}\n`;
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  fs.rmSync(WORK_ROOT, { recursive: true, force: true });
  process.exit(1);
});
