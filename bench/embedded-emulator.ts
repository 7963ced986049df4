/**
 * `npm run bench:embedded-emulator`: `pulumi-acp up --fast` of the benchmark graph as a sprint
 * file, with the command's embedded emulator (its store in .acp/emulator.json) against an
 * external emulator process (ACP_BASE_URL), alternating, each on a fresh directory. Reports the
 * seconds of each and their ratio. Needs the engine (scripts/ensure-pulumi) and a build.
 *
 * Settings (environment): BENCH_EMBEDDED_SIZES (default "2000"), BENCH_EMBEDDED_REPS
 * (repetitions of each, default 1).
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { REPO_ROOT } from "../provider/cli/engine";
import { startEmulator } from "./emulator-process";
import { buildGraph } from "./graph";

const SIZES = (process.env.BENCH_EMBEDDED_SIZES?.trim() || "2000").split(",").map(Number);
const REPS = Number(process.env.BENCH_EMBEDDED_REPS?.trim() || 1);
const TOKEN = `bench-token-${process.pid}`;
/**
 * The command as installed (node_modules/pulumi-acp, which `npm run build` refreshes), as
 * `npx pulumi-acp` runs it: Pulumi then serializes its providers by reference, as in a user's
 * project (from this checkout's dist/ they would go by value, 2.7 KB twice per task).
 */
const COMMAND = path.join(
  REPO_ROOT,
  "node_modules",
  "pulumi-acp",
  "dist",
  "provider",
  "cli",
  "main.js",
);

/** The benchmark graph as a sprint file (JSON): the same tasks bench/programs.ts declares. */
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

/** Runs `pulumi-acp up --fast --yes` in `dir`; resolves to its wall time in seconds. */
function up(dir: string, env: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [COMMAND, "up", "sprint.json", "--fast", "--yes"], {
    cwd: dir,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) =>
    child.once("exit", (code) => {
      if (code === 0) resolve((performance.now() - started) / 1000);
      else reject(new Error(`pulumi-acp up in ${dir} exited ${code}:\n${output.slice(-4000)}`));
    }),
  );
}

function log(line: string): void {
  process.stderr.write(
    `[bench ${new Date().toISOString().slice(11, 19)} load ${os.loadavg()[0].toFixed(2)}] ${line}\n`,
  );
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "acp-bench-embedded-"));
  const emu = await startEmulator(TOKEN, 0);
  const rows: string[] = [];
  const env = { ...process.env, ACP_BASE_URL: undefined, ACP_API_TOKEN: undefined };
  try {
    for (const n of SIZES) {
      const text = sprintFile(n);
      const seconds = { embedded: [] as number[], external: [] as number[] };
      for (let rep = 0; rep < REPS; rep++) {
        // The two alternate, so that a change in the machine's load falls on both.
        for (const where of ["external", "embedded"] as const) {
          const dir = path.join(root, `${where}-${n}-${rep}`);
          fs.mkdirSync(dir);
          fs.writeFileSync(path.join(dir, "sprint.json"), text);
          await emu.resetStore();
          const s = await up(
            dir,
            where === "external"
              ? { ...env, ACP_BASE_URL: emu.baseUrl, ACP_API_TOKEN: TOKEN }
              : env,
          );
          const tasks =
            where === "external"
              ? (await emu.tasks()).length
              : (
                  JSON.parse(fs.readFileSync(path.join(dir, ".acp", "emulator.json"), "utf8")) as {
                    tasks: unknown[];
                  }
                ).tasks.length;
          if (tasks !== n) throw new Error(`${where} up at N = ${n}: ${tasks} tasks stored`);
          seconds[where].push(s);
          log(`up --fast, ${where} emulator, N = ${n}: ${s.toFixed(1)} s`);
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      rows.push(
        `| ${n} | ${seconds.external.map((s) => s.toFixed(1)).join(" / ")} | ${seconds.embedded.map((s) => s.toFixed(1)).join(" / ")} | ${(mean(seconds.embedded) / mean(seconds.external)).toFixed(2)} |`,
      );
    }
  } finally {
    await emu.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
  process.stdout.write(
    [
      `pulumi-acp up --fast, embedded against external emulator; load ${os.loadavg()[0].toFixed(2)} at end`,
      "",
      "| N | external (s) | embedded (s) | embedded / external |",
      "|---:|---:|---:|---:|",
      ...rows,
      "",
    ].join("\n"),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
