/**
 * `npm run bench:preview-refresh`: a no-op preview against a refresh of the same stack, through
 * each door: the `pulumi-acp` command as installed (a sprint file), the dynamic resources and the
 * `acp` plugin (Automation API programs), and the engine floor (bench/floor-src). Each stack is
 * brought up once (checkpoints written at the end), then its operations alternate. Reports wall
 * seconds and where the CPU time went: the program's process (for the command: the command's
 * process, which runs the program), the provider process, and the engine (the rest of the process
 * tree: the CLI). Needs the engine (scripts/ensure-pulumi) and a build; starts its own emulator.
 *
 * For the command and the dynamic resources, "preview, before" is the same preview with
 * PULUMI_DEBUG_PROMISE_LEAKS=1, under which the dynamic resources register as they did before
 * provider/dynamic/registration.ts's `quietRegistration` (the SDK's stack trace per promise);
 * for the command also with PULUMI_ACP_SDK_DEBUG=1, under which its operations send the SDK's
 * debug lines to the engine as they did before provider/cli/sdk-log.ts. The command's program
 * registering only its resources' inputs (`withInputsOnly`) has no switch: it is in both.
 *
 * Settings (environment): BENCH_PR_SIZES (default "500"), BENCH_PR_REPS (rounds of operations per
 * stack, default 2), BENCH_PR_DOORS (default "command,dynamic,plugin,floor"; also
 * "command-checkout": the command run from this checkout's dist/, whose providers Pulumi then
 * serializes by value). BENCH_PR_PROFILE=DIR writes CPU profiles there (command door only): every
 * Node process (`--cpu-prof`) and the engine's own (`pulumi --profiling`, through a wrapper CLI
 * on PATH); one repetition is then enough.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import type { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { ensurePulumi, localPulumiCommand, REPO_ROOT } from "../provider/cli/engine";
import { startEmulator, type EmulatorProcess } from "./emulator-process";
import { createBenchStack, removeBenchStack } from "./engine";
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
/** The command as installed, as `npx pulumi-acp` runs it: its providers go by reference. */
const INSTALLED_COMMAND = path.join(
  REPO_ROOT,
  "node_modules",
  "pulumi-acp",
  "dist/provider/cli/main.js",
);
/** The command of this checkout's dist/: its providers go by value (a linked checkout). */
const CHECKOUT_COMMAND = path.join(REPO_ROOT, "dist/provider/cli/main.js");

/** An operation measured on a stack. */
type Op = "preview" | "preview, before" | "refresh";

/** One measurement: wall seconds and CPU seconds by process. */
interface Sample {
  wall: number;
  /** The process that runs the program (the command's, or this one for the Automation doors). */
  program: number;
  /** The provider process(es). */
  provider: number;
  /** The rest of the process tree: the engine. */
  engine: number;
  load: number;
}

function log(line: string): void {
  process.stderr.write(
    `[bench ${new Date().toISOString().slice(11, 19)} load ${os.loadavg()[0].toFixed(2)}] ${line}\n`,
  );
}

/** CPU seconds of this process's waited-for children so far (/proc: cutime + cstime). */
function childrenCpu(): number {
  const fields = fs.readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/** CPU seconds of this process so far. */
function ownCpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * Node options that record each Node process's CPU time at its exit into `file` (one JSON line:
 * its entry script and seconds). The engine stops providers with SIGINT, on which Node exits
 * without its exit handlers: the preload exits normally instead.
 */
function cpuLogEnv(file: string, extra = ""): Record<string, string> {
  const preload = `${file}.preload.js`;
  fs.writeFileSync(
    preload,
    `const fs = require("fs");
process.once("exit", () => {
  const u = process.cpuUsage();
  fs.appendFileSync(${JSON.stringify(file)}, JSON.stringify({ script: process.argv[1] || "", cpu: (u.user + u.system) / 1e6 }) + "\\n");
});
process.once("SIGINT", () => process.exit(130));
`,
  );
  return { NODE_OPTIONS: `${extra} --require=${preload}`.trim() };
}

/** CPU seconds by role from a CPU log: the command's process, provider processes, others. */
function readCpuLog(file: string): { command: number; provider: number; other: number } {
  const out = { command: 0, provider: 0, other: 0 };
  if (!fs.existsSync(file)) return out;
  for (const line of fs.readFileSync(file, "utf8").trim().split("\n").filter(Boolean)) {
    const { script, cpu } = JSON.parse(line) as { script: string; cpu: number };
    if (/cli[/\\]main\.js$/.test(script)) out.command += cpu;
    else if (/dynamic-provider|plugin[/\\]main\.js$/.test(script)) out.provider += cpu;
    else out.other += cpu;
  }
  fs.rmSync(file, { force: true });
  return out;
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

let cliBinDir = "";

/**
 * Environment that profiles one command run into `dir`: `--cpu-prof` for every Node process, and
 * a `pulumi` on PATH that runs the real CLI with `--profiling` (ensure-pulumi prefers a CLI on
 * PATH; the rest of the real CLI's directory is linked beside it).
 */
function profileEnv(dir: string): Record<string, string> {
  const wrapper = path.join(dir, "bin");
  fs.mkdirSync(wrapper, { recursive: true });
  for (const name of fs.readdirSync(cliBinDir)) {
    const link = path.join(wrapper, name);
    if (name !== "pulumi" && !fs.existsSync(link)) fs.symlinkSync(path.join(cliBinDir, name), link);
  }
  const script = `#!/bin/sh\nexec "${cliBinDir}/pulumi" --profiling "${dir}/engine-$$" "$@"\n`;
  fs.writeFileSync(path.join(wrapper, "pulumi"), script, { mode: 0o755 });
  return { PATH: `${wrapper}${path.delimiter}${process.env.PATH ?? ""}` };
}

/** Runs `node COMMAND ARGS` in `dir`; resolves when it exits 0 (and, but for up, changed nothing). */
function runCommand(
  command: string,
  dir: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const child = spawn(process.execPath, [command, ...args], {
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
        resolve();
      }
    }),
  );
}

/** Measures `run`: wall time, and CPU by process from the CPU log and the process tree. */
async function measure(
  cpuLog: string,
  inProcess: boolean,
  run: () => Promise<void>,
): Promise<Sample> {
  const own0 = ownCpu();
  const children0 = childrenCpu();
  const started = performance.now();
  await run();
  const wall = (performance.now() - started) / 1000;
  const own = ownCpu() - own0;
  const tree = childrenCpu() - children0;
  const byRole = readCpuLog(cpuLog);
  // For the command, the program runs in the command's process; for the Automation doors, here.
  const program = inProcess ? own : byRole.command;
  return {
    wall,
    program,
    provider: byRole.provider,
    engine: Math.max(0, tree - byRole.command - byRole.provider - byRole.other),
    load: os.loadavg()[0],
  };
}

/**
 * The operations of round `rep`: both previews where the dynamic resources are involved, their
 * order swapped every other round (the first operation of a round warms the machine's caches).
 */
function opsOf(door: string, rep: number): Op[] {
  if (door === "plugin" || door === "floor") return ["preview", "refresh"];
  const previews: Op[] = ["preview", "preview, before"];
  return [...(rep % 2 === 0 ? previews : previews.reverse()), "refresh"];
}

type Results = Map<Op, Sample[]>;

function record(results: Results, op: Op, s: Sample, label: string): void {
  results.set(op, [...(results.get(op) ?? []), s]);
  log(
    `${label}: ${op} ${s.wall.toFixed(1)} s (CPU: program ${s.program.toFixed(1)}, provider ${s.provider.toFixed(1)}, engine ${s.engine.toFixed(1)})`,
  );
}

/** The command's door: up --fast once, then rounds of its operations. */
async function commandDoor(
  door: string,
  n: number,
  emu: EmulatorProcess,
  root: string,
): Promise<Results> {
  const command = door === "command-checkout" ? CHECKOUT_COMMAND : INSTALLED_COMMAND;
  const dir = path.join(root, `${door}-${n}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "sprint.json"), sprintFile(n));
  const cpuLog = path.join(root, `${door}-${n}.cpu`);
  const env = {
    ...process.env,
    ACP_BASE_URL: emu.baseUrl,
    ACP_API_TOKEN: TOKEN,
    PULUMI_DEBUG_PROMISE_LEAKS: "",
    PULUMI_ACP_SDK_DEBUG: "",
  };
  const started = performance.now();
  await runCommand(command, dir, ["up", "sprint.json", "--fast", "--yes"], env);
  log(`${door}, N = ${n}: up --fast ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const results: Results = new Map();
  for (let rep = 0; rep < REPS; rep++) {
    for (const op of opsOf(door, rep)) {
      const profileDir = path.join(PROFILE, `${door}-${n}-${op.replace(/\W+/g, "-")}-${rep}`);
      if (PROFILE) fs.mkdirSync(profileDir, { recursive: true });
      const opEnv = {
        ...env,
        ...(op === "preview, before"
          ? { PULUMI_DEBUG_PROMISE_LEAKS: "1", PULUMI_ACP_SDK_DEBUG: "1" }
          : {}),
        ...(PROFILE ? profileEnv(profileDir) : {}),
        ...cpuLogEnv(cpuLog, PROFILE ? `--cpu-prof --cpu-prof-dir=${profileDir}` : ""),
      };
      const verb = op === "refresh" ? "refresh" : "preview";
      const s = await measure(cpuLog, false, () =>
        runCommand(command, dir, [verb, "sprint.json", "--yes"], opEnv),
      );
      record(results, op, s, `${door}, N = ${n}`);
    }
  }
  return results;
}

/** An Automation API door (dynamic, plugin, floor): up once, then rounds of its operations. */
async function programDoor(
  door: string,
  n: number,
  emu: EmulatorProcess,
  pulumiCommand: PulumiCommand,
  root: string,
): Promise<Results> {
  const kind: ProviderKind = door === "dynamic" ? "acp" : (door as ProviderKind);
  const s = await createBenchStack({
    kind,
    graph: buildGraph(n),
    baseUrl: emu.baseUrl,
    token: TOKEN,
    pulumiCommand,
  });
  const cpuLog = path.join(root, `${door}-${n}.cpu`);
  const results: Results = new Map();
  try {
    const envVars = (s.stack.workspace as LocalWorkspace).envVars;
    // The up is set-up, not measured: checkpoints written once, at the end.
    envVars.PULUMI_SKIP_CHECKPOINTS = "true";
    let started = performance.now();
    await s.stack.up({ color: "never" });
    delete envVars.PULUMI_SKIP_CHECKPOINTS;
    log(`${door}, N = ${n}: up ${((performance.now() - started) / 1000).toFixed(1)} s`);
    Object.assign(envVars, cpuLogEnv(cpuLog));
    for (let rep = 0; rep < REPS; rep++) {
      for (const op of opsOf(door, rep)) {
        // The program runs in this process: the variable is read as each resource registers.
        if (op === "preview, before") process.env.PULUMI_DEBUG_PROMISE_LEAKS = "1";
        started = performance.now();
        const sample = await measure(cpuLog, true, async () => {
          if (op === "refresh") {
            await s.stack.refresh({ color: "never" });
            return;
          }
          const p = await s.stack.preview({ color: "never" });
          const changed = Object.entries(p.changeSummary).filter(([k, v]) => k !== "same" && v);
          if (changed.length > 0) throw new Error(`${door} preview: ${JSON.stringify(changed)}`);
        });
        delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
        record(results, op, sample, `${door}, N = ${n}`);
      }
    }
  } finally {
    removeBenchStack(s);
  }
  return results;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The table's rows for one door at one size. */
function rows(door: string, n: number, results: Results): string[] {
  const refresh = median((results.get("refresh") ?? []).map((s) => s.wall));
  return [...results].map(([op, samples]) => {
    const m = (f: (s: Sample) => number) => median(samples.map(f)).toFixed(1);
    const loads = samples.map((s) => s.load);
    return `| ${door} | ${n} | ${op} | ${samples.map((s) => s.wall.toFixed(1)).join(" / ")} | ${(median(samples.map((s) => s.wall)) / refresh).toFixed(2)} | ${m((s) => s.program)} | ${m((s) => s.provider)} | ${m((s) => s.engine)} | ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} |`;
  });
}

async function main(): Promise<void> {
  cliBinDir = ensurePulumi();
  installFloor();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "acp-bench-pr-"));
  const emu = await startEmulator(TOKEN, 0);
  const pulumiCommand = await localPulumiCommand(cliBinDir);
  const table: string[] = [];
  try {
    for (const n of SIZES) {
      for (const door of DOORS) {
        await emu.resetStore();
        const results = door.startsWith("command")
          ? await commandDoor(door, n, emu, root)
          : await programDoor(door, n, emu, pulumiCommand, root);
        table.push(...rows(door, n, results));
      }
    }
  } finally {
    await emu.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
  process.stdout.write(
    [
      `No-op preview against refresh, ${REPS} round(s) per stack; medians; CPU seconds by process`,
      "",
      "| door | N | operation | wall (s) | / refresh | CPU program | CPU provider | CPU engine | load |",
      "|---|---:|---|---:|---:|---:|---:|---:|---|",
      ...table,
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
