/**
 * Figures of the Sprint at N tasks (default 500) and 0 ms emulator latency: one up, a no-op
 * preview (seconds and API calls), a 10% edit, a refresh, destroy, and the stored state's bytes
 * per task, with the machine's load average. A script that reports, never a test:
 * `npx ts-node --transpile-only bench/sprint.ts [N] [latencyMs]`.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, type ProjectSettings } from "@pulumi/pulumi/automation";
import { Sprint, type SprintTaskArgs } from "pulumi-acp";
import {
  ensurePulumi,
  localEngineEnv,
  localPulumiCommand,
  REPO_ROOT,
} from "../provider/cli/engine";
import { startEmulator } from "./emulator-process";
import { timed, WORK_ROOT } from "./engine";
import { buildGraph, type GraphNode } from "./graph";

const TOKEN = "bench-sprint-token";

/** The Sprint's tasks for `graph`, with the same titles and descriptions as the per-task bench. */
function sprintTasks(graph: GraphNode[], edited: ReadonlySet<string>) {
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

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 500);
  const latencyMs = Number(process.argv[3] ?? 0);
  const binDir = await ensurePulumi();
  const emulator = await startEmulator(TOKEN, latencyMs);
  fs.mkdirSync(WORK_ROOT, { recursive: true });
  const workDir = fs.mkdtempSync(path.join(WORK_ROOT, "sprint-"));
  const graph = buildGraph(n);
  let edited = new Set<string>();
  const program = async () => {
    const sprint = new Sprint("sprint", { tasks: sprintTasks(graph, edited) });
    return { count: sprint.taskIds.apply((ids) => Object.keys(ids).length) };
  };
  const stack = await LocalWorkspace.createOrSelectStack(
    { projectName: "acp-bench", stackName: "bench", program },
    {
      workDir,
      envVars: localEngineEnv({
        backendDir: path.join(workDir, "state"),
        pulumiHome: path.join(workDir, "home"),
      }),
      projectSettings: {
        name: "acp-bench",
        runtime: "nodejs",
        plugins: {
          providers: [
            { name: "acp", path: path.join(REPO_ROOT, "node_modules", "pulumi-acp", "plugin") },
          ],
        },
      } as ProjectSettings,
      pulumiCommand: await localPulumiCommand(binDir),
    },
  );
  await stack.setAllConfig({
    "acp:baseUrl": { value: emulator.baseUrl },
    "acp:token": { value: TOKEN, secret: true },
  });
  const figures: Record<string, unknown> = { n, latencyMs, loadBefore: os.loadavg() };
  const step = async (name: string, fn: () => Promise<unknown>) => {
    await emulator.resetStats();
    const { seconds } = await timed(fn);
    figures[name] = {
      seconds: Number(seconds.toFixed(2)),
      apiCalls: (await emulator.stats()).totalRequests,
    };
  };
  try {
    await step("up", () => stack.up());
    if ((await emulator.tasks()).length !== n) throw new Error("up did not create every task");
    await step("noopPreview", () => stack.preview());
    const state = JSON.stringify(await stack.exportStack());
    figures.stateBytesPerTask = Math.round(state.length / n);
    edited = new Set(graph.filter((_, i) => i % 10 === 0).map((g) => g.key));
    await step("edit10pct", () => stack.up());
    await step("refresh", () => stack.refresh());
    await step("destroy", () => stack.destroy());
    if ((await emulator.tasks()).length !== 0) throw new Error("destroy left tasks");
    figures.loadAfter = os.loadavg();
    process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  } finally {
    await emulator.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
