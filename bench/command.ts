/**
 * The `pulumi-acp` command against the bare engine: the same sprint, the same stack layout and
 * the same emulator, once through the command (`runSprintCommand`, progress lines written to a
 * file as a terminal would get them) and once through a plain Automation API inline program
 * (`LocalWorkspace.createOrSelectStack` and the operation, no event stream, no progress). Both run
 * in this process, so process start-up counts for neither; each operation of the plain program
 * selects its stack again, as a fresh program run does.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PassThrough, Writable } from "node:stream";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import type { SprintOptions } from "../provider/cli/args";
import { SPRINT_PROJECT } from "../provider/cli/command-io";
import {
  localEngineEnv,
  localPulumiCommand,
  providerNodePath,
  REPO_ROOT,
} from "../provider/cli/engine";
import { fastEngineEnv, newFastRunId } from "../provider/cli/fast";
import type { EmulatorProcess } from "./emulator-process";
import { WORK_ROOT } from "./engine";
import type { GraphNode } from "./graph";

/**
 * The command and the sprint program as installed (node_modules/pulumi-acp, built), as a user's
 * `npx pulumi-acp` runs them: the engine then records the providers exactly as it does for users.
 */
const INSTALLED = path.join(REPO_ROOT, "node_modules", "pulumi-acp", "dist", "provider", "cli");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runSprintCommand } = require(
  path.join(INSTALLED, "sprint"),
) as typeof import("../provider/cli/sprint");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { sprintProgram } = require(
  path.join(INSTALLED, "sprint-program"),
) as typeof import("../provider/cli/sprint-program");

/** The operations of the comparison, in the order they run on one stack. */
export const COMMAND_OPS = ["up", "preview", "refresh", "edit 10%", "destroy"] as const;
/** One of {@link COMMAND_OPS}; `preview` is a no-op preview (right after the up). */
export type CommandOp = (typeof COMMAND_OPS)[number];

/** The two ways one operation is run. */
export type CommandDoor = "command" | "bare";

/** Writes the sprint file of `graph` (every tenth task's title edited when `edited`). */
export function writeSprintFile(file: string, graph: GraphNode[], edited: boolean): void {
  const tasks = Object.fromEntries(
    graph.map((node, i) => [
      node.key,
      {
        title: `Benchmark task ${node.key}${edited && i % 10 === 0 ? " (edited)" : ""}`,
        description: `Task ${node.key} of the benchmark graph; depends on ${node.deps.join(", ") || "nothing"}.`,
        priority: "medium",
        ...(node.deps.length > 0 ? { dependsOn: node.deps } : {}),
      },
    ]),
  );
  fs.writeFileSync(file, `${JSON.stringify({ name: "bench", tasks }, null, 1)}\n`);
}

/** The engine operation of a comparison step. */
function engineOp(op: CommandOp): SprintOptions["command"] {
  return op === "edit 10%" ? "up" : op;
}

/** A directory with a sprint file, where one door runs its operations. */
export interface DoorDir {
  dir: string;
  sprintFile: string;
}

/** A fresh directory for one door's lifecycle, holding the sprint file of `graph`. */
export function doorDir(door: CommandDoor, mode: string, graph: GraphNode[]): DoorDir {
  fs.mkdirSync(WORK_ROOT, { recursive: true });
  const dir = fs.mkdtempSync(path.join(WORK_ROOT, `${door}-${mode}-`));
  const sprintFile = path.join(dir, "sprint.json");
  writeSprintFile(sprintFile, graph, false);
  return { dir, sprintFile };
}

/** The environment the command would get from a user's shell, with the API's token. */
function commandEnv(token: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ACP_API_TOKEN: token };
  // The command keeps the state in the working directory, as the plain program does.
  for (const name of ["PULUMI_BACKEND_URL", "PULUMI_ACCESS_TOKEN", "PULUMI_HOME", "ACP_BASE_URL"]) {
    delete env[name];
  }
  return env;
}

/** Runs one operation through the command; throws when it does not exit 0. */
export async function commandRun(opts: {
  where: DoorDir;
  op: CommandOp;
  fast: boolean;
  emu: EmulatorProcess;
  token: string;
  /** `sprint`: `--bulk` (the tasks as one Sprint); the sprint file's own design otherwise. */
  design?: SprintOptions["design"];
}): Promise<void> {
  const { where, op, fast, emu, token } = opts;
  const log = fs.createWriteStream(path.join(where.dir, "command.log"), { flags: "a" });
  const errors: string[] = [];
  const stderr = new Writable({
    write(chunk: Buffer, _enc, done) {
      errors.push(chunk.toString());
      done();
    },
  });
  try {
    const code = await runSprintCommand(
      {
        command: engineOp(op),
        sprintFile: where.sprintFile,
        stack: "dev",
        baseUrl: emu.baseUrl,
        expectNoChanges: false,
        yes: true,
        fast,
        ...(opts.design ? { design: opts.design } : {}),
      },
      {
        stdout: log,
        stderr,
        stdin: new PassThrough(),
        env: commandEnv(token),
        cwd: where.dir,
        interactive: false,
      },
    );
    if (code !== 0) throw new Error(`pulumi-acp ${op} exited ${code}: ${errors.join("")}`);
  } finally {
    await new Promise((resolve) => log.end(resolve));
  }
}

/** The plain program's stack: selected (or created) in `where`, as a fresh program run does. */
async function bareStack(opts: {
  where: DoorDir;
  fast: boolean;
  runId?: string;
  emu: EmulatorProcess;
  token: string;
  binDir: string;
}): Promise<Stack> {
  const { where, emu } = opts;
  const state = path.join(where.dir, ".pulumi");
  const workDir = path.join(state, "work");
  fs.mkdirSync(workDir, { recursive: true });
  return LocalWorkspace.createOrSelectStack(
    { projectName: SPRINT_PROJECT, stackName: "dev", program: sprintProgram(where.sprintFile) },
    {
      workDir,
      projectSettings: { name: SPRINT_PROJECT, runtime: "nodejs" },
      envVars: {
        ...localEngineEnv({
          backendDir: path.join(state, "state"),
          pulumiHome: path.join(state, "home"),
        }),
        ACP_BASE_URL: emu.baseUrl,
        ACP_API_TOKEN: opts.token,
        NODE_PATH: providerNodePath(),
        ...fastEngineEnv({ fast: opts.fast, runId: opts.runId }),
      },
      // A fresh program run finds its CLI (`pulumi version`), as the command does.
      pulumiCommand: await localPulumiCommand(opts.binDir),
    },
  );
}

/** Runs one operation through a plain Automation API program (no events, no progress). */
export async function bareRun(opts: {
  where: DoorDir;
  op: CommandOp;
  fast: boolean;
  emu: EmulatorProcess;
  token: string;
  binDir: string;
}): Promise<void> {
  const { op } = opts;
  // A fast apply's creates carry a run id, as the command's do.
  const runId = opts.fast && (op === "up" || op === "destroy") ? newFastRunId() : undefined;
  const stack = await bareStack({ ...opts, runId });
  const common = { color: "never" as const };
  if (op === "preview") await stack.preview(common);
  else if (op === "refresh") await stack.refresh(common);
  else if (op === "destroy") await stack.destroy(common);
  else await stack.up(common);
}

/**
 * One lifecycle per door on fresh directories (up, no-op preview, refresh, 10% edit, destroy),
 * the doors alternating operation by operation so that a change in the machine's load falls on
 * both. `measure(door, op, run)` times each run.
 */
export async function commandLifecycle(opts: {
  emu: EmulatorProcess;
  graph: GraphNode[];
  fast: boolean;
  token: string;
  /** The directory holding `pulumi` (see ensurePulumi). */
  binDir: string;
  measure: (door: CommandDoor, op: CommandOp, run: () => Promise<void>) => Promise<void>;
}): Promise<void> {
  const { graph, fast } = opts;
  const mode = fast ? "fast" : "default";
  const dirs: Record<CommandDoor, DoorDir> = {
    command: doorDir("command", mode, graph),
    bare: doorDir("bare", mode, graph),
  };
  try {
    for (const op of COMMAND_OPS) {
      if (op === "edit 10%") {
        for (const d of Object.values(dirs)) writeSprintFile(d.sprintFile, graph, true);
      }
      // The door that goes first alternates too.
      const order: CommandDoor[] =
        COMMAND_OPS.indexOf(op) % 2 === 0 ? ["command", "bare"] : ["bare", "command"];
      for (const door of order) {
        const where = dirs[door];
        await opts.measure(door, op, () =>
          door === "command" ? commandRun({ ...opts, where, op }) : bareRun({ ...opts, where, op }),
        );
      }
    }
  } finally {
    for (const d of Object.values(dirs)) fs.rmSync(d.dir, { recursive: true, force: true });
  }
}
