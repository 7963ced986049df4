/**
 * `npm run bench:preview-refresh`: a no-op preview against a refresh of the same stack, through
 * each door: the `pulumi-acp` command (a sprint file), the dynamic resources and the `acp` plugin
 * (Automation API programs), and the engine floor (bench/floor-src). Each stack is brought up once
 * (fast: checkpoints written at the end), then previews and refreshes alternate. Reports seconds
 * and their ratio, with the machine's load. Needs the engine (scripts/ensure-pulumi), a build,
 * and an external emulator process, which it starts.
 *
 * Settings (environment): BENCH_PR_SIZES (default "500"), BENCH_PR_REPS (previews and refreshes
 * per stack, default 2), BENCH_PR_DOORS (default "command,dynamic,plugin,floor").
 * BENCH_PR_PROFILE=DIR writes CPU profiles there: every Node process of the engine run
 * (`--cpu-prof`: the program, the provider processes) and the engine's own (`pulumi --profiling`,
 * through a wrapper CLI on PATH); one repetition is then enough.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import type { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { ensurePulumi, localPulumiCommand, REPO_ROOT } from "../provider/cli/engine";
import { startEmulator, type EmulatorProcess } from "./emulator-process";
import { createBenchStack, removeBenchStack, timed } from "./engine";
import { installFloor } from "./floor";
import { buildGraph } from "./graph";
import type { ProviderKind } from "./programs";

const SIZES = (process.env.BENCH_PR_SIZES?.trim() || "500").split(",").map(Number);
const REPS = Number(process.env.BENCH_PR_REPS?.trim() || 2);
const DOORS = (process.env.BENCH_PR_DOORS?.trim() || "command,dynamic,plugin,floor").split(",");
const PROFILE = process.env.BENCH_PR_PROFILE?.trim()
  ? path.resolve(process.env.BENCH_PR_PROFILE)
  : "";
const TOKEN = `bench-token-${process.pid}`;
// The command as installed (node_modules/pulumi-acp), as `npx pulumi-acp` runs it: its providers
// are then captured by reference, as in a user's project.
const COMMAND = path.join(
  REPO_ROOT,
  "node_modules",
  "pulumi-acp",
  "dist",
  "provider",
  "cli",
  "main.js",
);

/** Seconds of each operation, per repetition. */
interface Figures {
  preview: number[];
  refresh: number[];
  loads: number[];
}

function log(line: string): void {
  process.stderr.write(
    `[bench ${new Date().toISOString().slice(11, 19)} load ${os.loadavg()[0].toFixed(2)}] ${line}\n`,
  );
}

/** The benchmark graph as a sprint file (JSON), as bench/embedded-emulator.ts writes it. */
function sprintFile(n: number): string {
  const tasks = Object.fromEntries(
    buildGraph(n).map((node) => [
      node.key,
      {
        title: `Task ${node.key}`,
        description: `Benchmark task ${node.key}`,
        priority: "medium",
        ...(node.deps.length > 0 ? { dependsOn: node.deps } : {}),
      },
    ]),
  );
  return JSON.stringify({ name: `bench-${n}`, tasks }, null, 1);
}

/**
 * A directory holding `pulumi` (a script that runs the real CLI with `--profiling` into `dir`)
 * and links to everything else beside the real CLI, for PATH: ensure-pulumi prefers a CLI on it.
 */
function profilingCli(binDir: string, dir: string): string {
  const wrapper = path.join(dir, "bin");
  fs.mkdirSync(wrapper, { recursive: true });
  for (const name of fs.readdirSync(binDir)) {
    const link = path.join(wrapper, name);
    if (name !== "pulumi" && !fs.existsSync(link)) fs.symlinkSync(path.join(binDir, name), link);
  }
  const script = `#!/bin/sh\nexec "${binDir}/pulumi" --profiling "${dir}/engine-$(date +%s%N)" "$@"\n`;
  fs.writeFileSync(path.join(wrapper, "pulumi"), script, { mode: 0o755 });
  return wrapper;
}

/**
 * Node options that write a CPU profile of every Node process into `dir`. The engine stops its
 * provider processes with SIGINT, on which Node exits without writing the profile: the preloaded
 * handler exits normally instead.
 */
function profileEnv(dir: string, wrapper: string): Record<string, string> {
  const preload = path.join(dir, "exit-on-sigint.js");
  fs.writeFileSync(preload, `process.once("SIGINT", () => process.exit(130));\n`);
  return {
    NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${dir} --require=${preload}`,
    PATH: `${wrapper}${path.delimiter}${process.env.PATH ?? ""}`,
  };
}

/** Runs `pulumi-acp ARGS` in `dir`; resolves to its wall time in seconds. */
function command(dir: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [COMMAND, ...args], {
    cwd: dir,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) =>
    child.once("exit", (code) => {
      if (code !== 0) {
        reject(new Error(`pulumi-acp ${args.join(" ")} exited ${code}:\n${output.slice(-4000)}`));
      } else if (args[0] !== "up" && !/No changes\./.test(output)) {
        reject(new Error(`pulumi-acp ${args[0]} found changes:\n${output.slice(-2000)}`));
      } else {
        resolve((performance.now() - started) / 1000);
      }
    }),
  );
}

/** The command's door: up --fast once, then previews and refreshes alternating. */
async function commandDoor(n: number, emu: EmulatorProcess, root: string): Promise<Figures> {
  const dir = path.join(root, `command-${n}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "sprint.json"), sprintFile(n));
  const env = { ...process.env, ACP_BASE_URL: emu.baseUrl, ACP_API_TOKEN: TOKEN };
  log(
    `command, N = ${n}: up --fast ${(await command(dir, ["up", "sprint.json", "--fast", "--yes"], env)).toFixed(1)} s`,
  );
  const figures: Figures = { preview: [], refresh: [], loads: [] };
  for (let rep = 0; rep < REPS; rep++) {
    for (const op of ["preview", "refresh"] as const) {
      const opEnv = PROFILE
        ? withProfileDir(env, path.join(PROFILE, `command-${n}-${op}-${rep}`))
        : env;
      const s = await command(dir, [op, "sprint.json", "--yes"], opEnv);
      figures[op].push(s);
      log(`command, N = ${n}: ${op} ${s.toFixed(1)} s`);
    }
    figures.loads.push(os.loadavg()[0]);
  }
  return figures;
}

let cliBinDir = "";

/** The environment (and wrapper CLI) that profiles one operation into `dir`. */
function withProfileDir(env: NodeJS.ProcessEnv, dir: string): NodeJS.ProcessEnv {
  fs.mkdirSync(dir, { recursive: true });
  return { ...env, ...profileEnv(dir, profilingCli(cliBinDir, dir)) };
}

/** An Automation API door (dynamic, plugin, floor): up once, then previews and refreshes. */
async function programDoor(
  kind: ProviderKind,
  n: number,
  emu: EmulatorProcess,
  pulumiCommand: PulumiCommand,
): Promise<Figures> {
  const graph = buildGraph(n);
  const s = await createBenchStack({
    kind,
    graph,
    baseUrl: emu.baseUrl,
    token: TOKEN,
    pulumiCommand,
  });
  const figures: Figures = { preview: [], refresh: [], loads: [] };
  try {
    // The up is set-up, not measured: checkpoints written once, at the end.
    const envVars = (s.stack.workspace as LocalWorkspace).envVars;
    envVars.PULUMI_SKIP_CHECKPOINTS = "true";
    const up = await timed(() => s.stack.up({ color: "never" }));
    delete envVars.PULUMI_SKIP_CHECKPOINTS;
    log(`${kind}, N = ${n}: up ${up.seconds.toFixed(1)} s`);
    for (let rep = 0; rep < REPS; rep++) {
      const p = await timed(() => s.stack.preview({ color: "never" }));
      const changed = Object.entries(p.value.changeSummary).filter(([k, v]) => k !== "same" && v);
      if (changed.length > 0)
        throw new Error(`${kind} preview found changes: ${JSON.stringify(changed)}`);
      figures.preview.push(p.seconds);
      const r = await timed(() => s.stack.refresh({ color: "never" }));
      figures.refresh.push(r.seconds);
      figures.loads.push(os.loadavg()[0]);
      log(
        `${kind}, N = ${n}: preview ${p.seconds.toFixed(1)} s, refresh ${r.seconds.toFixed(1)} s`,
      );
    }
  } finally {
    removeBenchStack(s);
  }
  return figures;
}

async function main(): Promise<void> {
  const binDir = ensurePulumi();
  cliBinDir = binDir;
  installFloor();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "acp-bench-pr-"));
  const emu = await startEmulator(TOKEN, 0);
  const pulumiCommand = await localPulumiCommand(binDir);
  const rows: string[] = [];
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  try {
    for (const n of SIZES) {
      for (const door of DOORS) {
        await emu.resetStore();
        const f =
          door === "command"
            ? await commandDoor(n, emu, root)
            : await programDoor(
                door === "dynamic" ? "acp" : (door as ProviderKind),
                n,
                emu,
                pulumiCommand,
              );
        const p = median(f.preview);
        const r = median(f.refresh);
        rows.push(
          `| ${door} | ${n} | ${f.preview.map((x) => x.toFixed(1)).join(" / ")} | ${f.refresh.map((x) => x.toFixed(1)).join(" / ")} | ${(p / r).toFixed(2)} | ${Math.min(...f.loads).toFixed(1)}–${Math.max(...f.loads).toFixed(1)} |`,
        );
      }
    }
  } finally {
    await emu.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
  process.stdout.write(
    [
      `no-op preview against refresh, ${REPS} of each per stack, alternating (medians in the ratio)`,
      "",
      "| door | N | preview (s) | refresh (s) | preview / refresh | load |",
      "|---|---:|---:|---:|---:|---|",
      ...rows,
      "",
    ].join("\n"),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
