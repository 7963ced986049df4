/**
 * `pulumi-acp up|preview|refresh|destroy [SPRINT_FILE]`: the sprint of a sprint file through the
 * real Pulumi engine (an Automation API inline program), against a real ACP API or an emulator
 * embedded in the command, with the state in a file backend in the current directory or in the
 * user's Pulumi backend.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline/promises";
import { LocalWorkspace, type LocalWorkspaceOptions, type Stack } from "@pulumi/pulumi/automation";
import { createEmulator, type Emulator } from "../../emulator";
import { AcpClient } from "../client";
import { loadSprintFile, type SprintFile } from "../components";
import { DEFAULT_SPRINT_FILES, EXIT, UsageError, type SprintOptions } from "./args";
import {
  describeChanges,
  ensurePulumi,
  LOCAL_EMULATOR_TOKEN,
  localEngineEnv,
  localPulumiCommand,
  oneLine,
  providerNodePath,
} from "./engine";
import {
  fastEngineEnv,
  fastWanted,
  markerFor,
  markerPath,
  newFastRunId,
  readMarker,
  removeMarker,
  writeMarker,
} from "./fast";
import { BackendFastRun, pendingCreates } from "./fast-record";
import { Progress } from "./progress";
import {
  deleteRunTasks,
  deleteRunThreads,
  describeRepair,
  dropPendingOperations,
  repairInterruptedRun,
  RunInProgressError,
} from "./recover";
import { sprintProgram } from "./sprint-program";
import { clearLockCommand } from "./state-lock";

/** The Pulumi project of every sprint stack (also the root Pulumi.yaml's, so states agree). */
export const SPRINT_PROJECT = "pulumi-acp-sprint";

/** Where a command runs and talks: the process's own in `main`, captured ones in tests. */
export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Both stdin and stdout are a terminal: ask before changing, colour the output. */
  interactive: boolean;
}

const blank = (v: string | undefined) => v === undefined || v.trim() === "";

/** The sprint file of a command line: the one given, else sprint.yaml (…) in `cwd`. */
export function resolveSprintFile(given: string | undefined, cwd: string): string | undefined {
  if (given !== undefined) return path.resolve(cwd, given);
  return DEFAULT_SPRINT_FILES.map((f) => path.join(cwd, f)).find((f) => fs.existsSync(f));
}

/** Where the ACP API is for one run. */
interface ApiTarget {
  baseUrl: string;
  token: string;
  label: string;
  emulator?: Emulator;
}

async function apiTarget(opts: SprintOptions, io: CommandIo): Promise<ApiTarget> {
  const baseUrl = opts.baseUrl ?? (blank(io.env.ACP_BASE_URL) ? undefined : io.env.ACP_BASE_URL);
  if (baseUrl) {
    const token = io.env.ACP_API_TOKEN;
    if (token === undefined || blank(token)) {
      throw new UsageError(
        `a real ACP API is configured (${baseUrl}) but ACP_API_TOKEN is not set: export the API token in ACP_API_TOKEN`,
      );
    }
    return { baseUrl, token, label: baseUrl };
  }
  const dataFile = path.join(io.cwd, ".acp", "emulator.json");
  fs.mkdirSync(path.dirname(dataFile), { recursive: true });
  const emulator = createEmulator({ token: LOCAL_EMULATOR_TOKEN, dataFile });
  const url = await emulator.listen(0);
  return {
    baseUrl: url,
    token: LOCAL_EMULATOR_TOKEN,
    label: `embedded emulator at ${url} (store: ${path.relative(io.cwd, dataFile)})`,
    emulator,
  };
}

/** True when the user has logged in to a Pulumi backend (`pulumi login`). */
function loggedIn(env: NodeJS.ProcessEnv): boolean {
  const home = blank(env.PULUMI_HOME) ? path.join(os.homedir(), ".pulumi") : env.PULUMI_HOME!;
  try {
    const creds = JSON.parse(fs.readFileSync(path.join(home, "credentials.json"), "utf8")) as {
      current?: string;
    };
    return typeof creds.current === "string" && creds.current !== "";
  } catch {
    return false;
  }
}

/**
 * The engine's settings: the user's backend (PULUMI_BACKEND_URL, PULUMI_ACCESS_TOKEN or a
 * `pulumi login`) with their environment as it is; otherwise a file backend and PULUMI_HOME in
 * ./.pulumi of the working directory, offline.
 */
function engineEnv(io: CommandIo): {
  env: Record<string, string>;
  label: string;
  /** The file backend's directory when the command keeps the state itself. */
  localBackendDir?: string;
} {
  if (!blank(io.env.PULUMI_BACKEND_URL)) return { env: {}, label: io.env.PULUMI_BACKEND_URL! };
  if (!blank(io.env.PULUMI_ACCESS_TOKEN) || loggedIn(io.env)) {
    return { env: {}, label: "the logged-in Pulumi backend" };
  }
  const stateDir = path.join(io.cwd, ".pulumi");
  const backendDir = path.join(stateDir, "state");
  return {
    env: localEngineEnv({ backendDir, pulumiHome: path.join(stateDir, "home") }),
    label: `local state in ${path.relative(io.cwd, backendDir)}`,
    localBackendDir: backendDir,
  };
}

async function confirm(io: CommandIo, question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: io.stdin, output: io.stdout });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** Runs one sprint command; resolves to its exit code (see {@link EXIT}). */
export async function runSprintCommand(opts: SprintOptions, io: CommandIo): Promise<number> {
  const started = Date.now();
  const say = (text = "") => io.stdout.write(`${text}\n`);
  const sprintFile = resolveSprintFile(opts.sprintFile, io.cwd);
  let sprint: SprintFile | undefined;
  if (sprintFile === undefined) {
    // destroy needs no program: the state says what to delete.
    if (opts.command !== "destroy") {
      throw new UsageError(
        `no sprint file: pass one (pulumi-acp ${opts.command} path/to/sprint.yaml) or create ${DEFAULT_SPRINT_FILES[0]} in ${io.cwd}`,
      );
    }
  } else if (opts.command !== "destroy" || fs.existsSync(sprintFile)) {
    // A bad sprint file fails here, every problem listed, before the engine starts.
    sprint = loadSprintFile(sprintFile);
  }

  const applies = opts.command === "up" || opts.command === "destroy";
  let fast = applies && fastWanted(opts.fast, io.env);
  const markerFile = markerPath(io.cwd, opts.stack);

  const binDir = ensurePulumi();
  const api = await apiTarget(opts, io);
  try {
    const engine = engineEnv(io);
    const workDir = path.join(io.cwd, ".pulumi", "work");
    fs.mkdirSync(workDir, { recursive: true });
    const workspace: LocalWorkspaceOptions = {
      workDir,
      projectSettings: { name: SPRINT_PROJECT, runtime: "nodejs" },
      envVars: {
        ...engine.env,
        // The provider process reads the API's address and token from its environment. Not
        // stack config: the engine copies config into the state's provider record, and
        // destroy would then call an embedded emulator's old port.
        ACP_BASE_URL: api.baseUrl,
        ACP_API_TOKEN: api.token,
        NODE_PATH: providerNodePath(io.env),
      },
      pulumiCommand: await localPulumiCommand(binDir),
    };
    const stack = await LocalWorkspace.createOrSelectStack(
      {
        projectName: SPRINT_PROJECT,
        stackName: opts.stack,
        // destroy without a sprint file: a program that declares nothing is never run.
        program: sprintProgram(sprintFile ?? path.join(io.cwd, DEFAULT_SPRINT_FILES[0])),
      },
      workspace,
    );
    // Config would win over the environment, and an older run may have set it.
    if ("acp:baseUrl" in (await stack.getAllConfig())) await stack.removeConfig("acp:baseUrl");
    // A fast run recorded in the backend that did not finish: this command repairs, and goes on
    // under that run's id (see recover.ts); one still alive holds the stack (state-lock.ts).
    const backendRun = new BackendFastRun(
      stack,
      {
        project: SPRINT_PROJECT,
        stack: opts.stack,
        backend: engine.label,
        clearLock: clearLockCommand(
          SPRINT_PROJECT,
          opts.stack,
          engine.env,
          engine.localBackendDir !== undefined,
          engine.label === "the logged-in Pulumi backend",
        ),
      },
      (message) => io.stderr.write(`warning: ${message}\n`),
    );
    const interrupted = await backendRun.interrupted(opts.command, readMarker(markerFile), () =>
      removeMarker(markerFile),
    );
    // After a killed default run, this up runs as one too (see pendingCreates).
    const afterKilledDefault =
      fast && !interrupted && opts.command === "up" ? await pendingCreates(stack) : 0;
    if (afterKilledDefault > 0) fast = false;
    const runId = interrupted?.runId ?? (fast ? newFastRunId() : undefined);
    Object.assign(stack.workspace.envVars, fastEngineEnv({ fast, runId, markerFile }));

    say(`ACP API: ${api.label}`);
    say(`State: ${engine.label}`);
    const subject = sprintFile ? ` of ${path.relative(io.cwd, sprintFile) || sprintFile}` : "";
    say(`Stack ${SPRINT_PROJECT}/${opts.stack}: ${opts.command}${subject}${fast ? " (fast)" : ""}`);
    say();
    if (afterKilledDefault > 0) {
      say(
        `The state holds ${afterKilledDefault} create(s) a killed run started: this up runs without --fast, so each is sent again with the same Idempotency-Key and the task already made comes back.`,
      );
      say();
    }

    let runTasks: Parameters<typeof deleteRunTasks>[1] = [];
    let runThreads: Parameters<typeof deleteRunThreads>[1] = [];
    const client = () => new AcpClient({ baseUrl: api.baseUrl, token: api.token });
    if (interrupted && interrupted.backend !== engine.label) {
      throw new UsageError(
        `the fast-run marker ${path.relative(io.cwd, markerFile)} is for the stack's state in ${interrupted.backend}, and this command uses ${engine.label}: run it with the backend of the interrupted run to repair that stack (or delete the marker if that stack is gone)`,
      );
    }
    if (interrupted) {
      say(
        `The fast ${interrupted.command} of this stack started at ${interrupted.startedAt} did not finish: repairing the stack first.`,
      );
      const report = await backendRun.guard({ fresh: false }, () =>
        repairInterruptedRun({
          stack,
          marker: interrupted,
          markerFile,
          client: client(),
          localBackendDir: engine.localBackendDir,
        }),
      );
      for (const line of describeRepair(report, opts.command)) say(`  repaired: ${line}`);
      say();
      runTasks = report.foundTasks;
      runThreads = report.foundThreads;
    }
    const marker = runId
      ? markerFor({
          project: SPRINT_PROJECT,
          stack: opts.stack,
          command: opts.command,
          runId,
          backend: engine.label,
          adopt: readMarker(markerFile)?.adopt,
        })
      : undefined;
    const apply = () =>
      runOnStack(stack, opts, io, sprint, Boolean(sprint), started, {
        beforeChange: async () => {
          // Another fast run started on this stack since this command began: leave it alone.
          const current = readMarker(markerFile);
          if (current && current.runId !== runId) throw new RunInProgressError(current);
          if (marker) writeMarker(markerFile, marker);
          if (marker) await backendRun.begin(marker);
          if (opts.command === "destroy") await deleteRunThreads(client(), runThreads);
          // A destroy also deletes what the interrupted run created and never recorded; tasks the
          // state's tasks still depend on go after them.
          if (opts.command === "destroy" && runTasks.length > 0) {
            const left = new Set(await deleteRunTasks(client(), runTasks));
            runTasks = runTasks.filter((t) => left.has(t.id as string));
          }
        },
        changed: async () => {
          if (opts.command === "destroy" && runTasks.length > 0) {
            const left = await deleteRunTasks(client(), runTasks);
            if (left.length > 0) {
              throw new Error(
                `tasks ${left.join(", ")} that the interrupted run created could not be deleted: other tasks depend on them; remove those dependencies and run destroy again`,
              );
            }
          }
          // The state now says all that was done: nothing left to repair.
          if (marker) removeMarker(markerFile);
          if (marker) await backendRun.end(marker.runId);
          // Those creates are done now: nothing in the state waits for them.
          if (afterKilledDefault > 0) await dropPendingOperations(stack);
        },
      });
    return await backendRun.guard({ runId, fresh: !interrupted }, () =>
      whileInterruptible(io, apply),
    );
  } finally {
    // The emulator's store is written after every change, so closing loses nothing.
    await api.emulator?.close();
  }
}

/**
 * Runs `operation` with Ctrl-C handled: a terminal sends SIGINT to the engine too, which then
 * finishes the operations it has in flight, records them and stops; this process waits for that
 * and answers {@link EXIT.interrupted}. A second Ctrl-C stops everything at once (a fast run is
 * then repaired by the next command).
 */
async function whileInterruptible(io: CommandIo, operation: () => Promise<number>) {
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts === 1) {
      io.stderr.write(
        "\ninterrupted: the engine finishes the operations in flight, records them and stops (Ctrl-C again stops at once)\n",
      );
    } else {
      process.off("SIGINT", onSigint);
      process.kill(process.pid, "SIGINT");
    }
  };
  process.on("SIGINT", onSigint);
  try {
    return await operation();
  } catch (err) {
    if (interrupts === 0) throw err;
    io.stderr.write(`error: interrupted: ${oneLine(err)}\n`);
    return EXIT.interrupted;
  } finally {
    process.off("SIGINT", onSigint);
  }
}

async function runOnStack(
  stack: Stack,
  opts: SprintOptions,
  io: CommandIo,
  sprint: SprintFile | undefined,
  runProgram: boolean,
  started: number,
  hooks: {
    /** Just before an up or destroy changes anything. */
    beforeChange(): Promise<void>;
    /** After the engine finished an up or destroy without error. */
    changed(): Promise<void>;
  },
): Promise<number> {
  const say = (text = "") => io.stdout.write(`${text}\n`);
  const colour = io.interactive && blank(io.env.NO_COLOR);
  const progress = (planning: boolean) => new Progress(io.stdout, { planning, colour });
  const common = { color: "never" as const };

  if (io.interactive && !opts.yes && (opts.command === "up" || opts.command === "destroy")) {
    const planned =
      opts.command === "up"
        ? (await stack.preview({ ...common, onEvent: (e) => progress(true).onEvent(e) }))
            .changeSummary
        : undefined;
    if (planned && describeChanges(planned) === "No changes.") {
      say("No changes.");
      return EXIT.ok;
    }
    const question =
      opts.command === "up"
        ? `\n${describeChanges(planned)} Apply them?`
        : `Delete every task and thread of stack ${opts.stack}?`;
    if (!(await confirm(io, question))) {
      say("Nothing changed.");
      return EXIT.ok;
    }
  }

  let changes: Record<string, number> | undefined;
  let outputs: Record<string, { value: unknown }> = {};
  if (opts.command === "preview") {
    const p = progress(true);
    changes = (await stack.preview({ ...common, onEvent: (e) => p.onEvent(e) })).changeSummary;
  } else if (opts.command === "up") {
    const p = progress(false);
    await hooks.beforeChange();
    const res = await stack.up({ ...common, onEvent: (e) => p.onEvent(e) });
    await hooks.changed();
    changes = res.summary.resourceChanges;
    outputs = res.outputs;
  } else if (opts.command === "refresh") {
    const p = progress(false);
    changes = (await stack.refresh({ ...common, onEvent: (e) => p.onEvent(e) })).summary
      .resourceChanges;
  } else {
    const p = progress(false);
    await hooks.beforeChange();
    // Running the program configures the provider from this run's settings, even when the
    // state's provider record still holds settings of an older run.
    changes = (await stack.destroy({ ...common, runProgram, onEvent: (e) => p.onEvent(e) })).summary
      .resourceChanges;
    await hooks.changed();
  }

  const summary = describeChanges(changes);
  say();
  say(summary);
  if (opts.command === "up") writeSprintOutputs(say, outputs, sprint);
  appendStepSummary(io, opts, summary, outputs.mermaid?.value as string | undefined);
  say(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  if (opts.expectNoChanges && summary !== "No changes.") {
    io.stderr.write(
      `error: --expect-no-changes: the ${opts.command} found changes (${summary.replace(/^Changes: |\.$/g, "")}); the API and the sprint file did not agree\n`,
    );
    return EXIT.changes;
  }
  return EXIT.ok;
}

/**
 * The tasks (in the sprint file's order) with their ids and threads, the sprint's own threads
 * and runs, and the Mermaid graph.
 */
function writeSprintOutputs(
  say: (text?: string) => void,
  outputs: Record<string, { value: unknown }>,
  sprint: SprintFile | undefined,
): void {
  const taskIds = (outputs.taskIds?.value ?? {}) as Record<string, string>;
  const threadIds = (outputs.threadIds?.value ?? {}) as Record<string, string>;
  const keys = Object.keys(sprint?.tasks ?? taskIds).filter((k) => taskIds[k]);
  say();
  say(`Tasks (${keys.length}):`);
  const width = Math.max(0, ...keys.map((k) => k.length));
  for (const key of keys) {
    const thread = threadIds[key] ? `  (thread ${threadIds[key]})` : "";
    say(`  ${key.padEnd(width)}  ${taskIds[key]}${thread}`);
  }
  for (const [label, output] of [
    ["Threads", "projectThreadIds"],
    ["Runs", "runIds"],
  ] as const) {
    const ids = (outputs[output]?.value ?? {}) as Record<string, string>;
    const named = Object.keys(ids);
    if (named.length === 0) continue;
    say();
    say(`${label} (${named.length}):`);
    const pad = Math.max(0, ...named.map((k) => k.length));
    for (const key of named) say(`  ${key.padEnd(pad)}  ${ids[key]}`);
  }
  say();
  say(`Mermaid graph:\n\`\`\`mermaid\n${(outputs.mermaid?.value as string) ?? ""}\n\`\`\``);
}

/** In a GitHub Actions job, the change summary and the graph go to the job's summary page. */
function appendStepSummary(io: CommandIo, opts: SprintOptions, summary: string, mermaid?: string) {
  const file = io.env.GITHUB_STEP_SUMMARY;
  if (blank(file)) return;
  fs.appendFileSync(
    file!,
    `### Sprint ${opts.command} (${opts.stack})\n\n${summary}\n\n` +
      (mermaid ? `\`\`\`mermaid\n${mermaid}\n\`\`\`\n` : ""),
  );
}
