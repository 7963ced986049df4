/**
 * Scale-out: many stacks, many runners, one shared backend. BENCH_SCALE_STACKS stacks (default 8)
 * of BENCH_SCALE_TASKS tasks each (default 250), applied by as many concurrent
 * `pulumi-acp up --fast` processes against one PostgreSQL backend and one emulator process,
 * then the same applied one after another (fresh stacks, emptied store). Each process is a
 * runner of its own (working directory and PULUMI_HOME). Reports wall time, API requests per
 * second and lock waits; writes bench/results/scale-out.json.
 *
 * Not part of `npm run bench`: `npm run bench:scale-out` (a few minutes on 2 cores).
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ensurePulumi, REPO_ROOT } from "../provider/cli/engine";
import { startPostgres } from "../test/e2e/postgres";
import { startEmulator } from "./emulator-process";

const STACKS = Number(process.env.BENCH_SCALE_STACKS ?? 8);
const TASKS = Number(process.env.BENCH_SCALE_TASKS ?? 250);
const LATENCY_MS = Number(process.env.BENCH_SCALE_LATENCY_MS ?? 10);
const TOKEN = "bench-scale-out-token";
const MAIN = path.join(REPO_ROOT, "dist", "provider", "cli", "main.js");

/** A sprint of `n` tasks in layers of 25, each past the first depending on two of the last. */
function sprint(tag: string, n: number): string {
  const tasks: Record<string, unknown> = {};
  const width = 25;
  for (let i = 0; i < n; i++) {
    const layer = Math.floor(i / width);
    const col = i % width;
    const deps =
      layer > 0
        ? [`t${(layer - 1) * width + col}`, `t${(layer - 1) * width + ((col + 7) % width)}`]
        : undefined;
    tasks[`t${i}`] = { title: `${tag} task ${i}`, ...(deps ? { dependsOn: deps } : {}) };
  }
  return JSON.stringify({ name: tag, tasks });
}

interface RunResult {
  stack: string;
  code: number | null;
  seconds: number;
  lockWaits: number;
}

/** One runner's `pulumi-acp up --fast` of its stack. */
function up(
  root: string,
  stack: string,
  env: NodeJS.ProcessEnv,
  baseUrl: string,
): Promise<RunResult> {
  const dir = path.join(root, stack);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "sprint.json"), sprint(stack, TASKS));
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        MAIN,
        "up",
        "sprint.json",
        "--yes",
        "--fast",
        "--stack",
        stack,
        "--base-url",
        baseUrl,
        "--wait-for-lock",
        "900",
      ],
      {
        cwd: dir,
        env: { ...env, PULUMI_HOME: path.join(dir, "home") },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("close", (code) => {
      if (code !== 0) process.stderr.write(`${stack} exited ${code}:\n${output.slice(-3000)}\n`);
      resolve({
        stack,
        code,
        seconds: (Date.now() - started) / 1000,
        lockWaits: (output.match(/waiting up to \d+ s for it/g) ?? []).length,
      });
    });
  });
}

async function main(): Promise<void> {
  const binDir = ensurePulumi();
  const pg = startPostgres();
  const emulator = await startEmulator(TOKEN, LATENCY_MS);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-acp-scale-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${binDir}${path.delimiter}${process.env.PATH}`,
    ACP_API_TOKEN: TOKEN,
    PULUMI_BACKEND_URL: pg.url,
    PULUMI_CONFIG_PASSPHRASE: "bench",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  };
  try {
    const phases: Record<string, unknown>[] = [];
    for (const mode of ["concurrent", "sequential"] as const) {
      await emulator.resetStore();
      await emulator.resetStats();
      const stacks = Array.from({ length: STACKS }, (_, i) => `${mode}-${i}`);
      const started = Date.now();
      const runs =
        mode === "concurrent"
          ? await Promise.all(stacks.map((s) => up(root, s, env, emulator.baseUrl)))
          : [];
      if (mode === "sequential")
        for (const s of stacks) runs.push(await up(root, s, env, emulator.baseUrl));
      const wall = (Date.now() - started) / 1000;
      const stats = await emulator.stats();
      const tasks = (await emulator.tasks()).length;
      const phase = {
        mode,
        stacks: STACKS,
        tasksPerStack: TASKS,
        wallSeconds: Number(wall.toFixed(1)),
        failed: runs.filter((r) => r.code !== 0).length,
        tasksOnServer: tasks,
        apiRequests: stats.totalRequests,
        apiRequestsPerSecond: Number((stats.totalRequests / wall).toFixed(1)),
        lockWaits: runs.reduce((n, r) => n + r.lockWaits, 0),
        slowestStackSeconds: Number(Math.max(...runs.map((r) => r.seconds)).toFixed(1)),
        fastestStackSeconds: Number(Math.min(...runs.map((r) => r.seconds)).toFixed(1)),
      };
      phases.push(phase);
      process.stdout.write(`${JSON.stringify(phase)}\n`);
    }
    const result = {
      recordedAt: new Date().toISOString(),
      machine: `${os.cpus().length} cores, load ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}`,
      emulatorLatencyMs: LATENCY_MS,
      phases,
    };
    const out = path.join(REPO_ROOT, "bench", "results", "scale-out.json");
    fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`written to ${path.relative(REPO_ROOT, out)}\n`);
  } finally {
    await emulator.stop();
    pg.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
