/**
 * `pulumi-acp up|preview|refresh|destroy [SPRINT_FILE]`: the sprint of a sprint file through the
 * real Pulumi engine (an Automation API inline program), against a real ACP API or an emulator
 * embedded in the command, with the state in a file backend in the current directory or in the
 * user's Pulumi backend.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as readline from "node:readline/promises";
import {
  LocalWorkspace,
  type LocalWorkspaceOptions,
  type ProjectSettings,
  type Stack,
} from "@pulumi/pulumi/automation";
import { AcpClient } from "../client";
import { loadSprintFile, type SprintFile } from "../components";
import { DEFAULT_SPRINT_FILES, EXIT, UsageError, type SprintOptions } from "./args";
import { apiTarget, type ApiTarget } from "./api-target";
import { engineEnv } from "./backend";
import { blank, SPRINT_PROJECT, type CommandIo } from "./command-io";
import {
  ACP_PLUGIN_DIR,
  describeChanges,
  ensurePulumi,
  localPulumiCommand,
  providerNodePath,
} from "./engine";
import { fastWanted, fastRunFilePath } from "./fast";
import { Progress } from "./progress";
import { fastRunHooks, fastRunOf, type ChangeHooks } from "./fast-run";
import { whileInterruptible } from "./interrupt";
import { prepareDesign, type MovePlan } from "./design-move";
import { runOperation, type StackRun } from "./stack-operation";
import { withQuietSdk } from "./sdk-log";
import { sprintProgram } from "./sprint-program";
import { appendStepSummary, writeSprintOutputs } from "./sprint-output";
import { destroyRunsProgram, readDeployment } from "./state-read";

export { SPRINT_PROJECT };

export type { CommandIo };

/** The sprint file of a command line: the one given, else sprint.yaml (…) in `cwd`. */
export function resolveSprintFile(given: string | undefined, cwd: string): string | undefined {
  if (given !== undefined) return path.resolve(cwd, given);
  return DEFAULT_SPRINT_FILES.map((f) => path.join(cwd, f)).find((f) => fs.existsSync(f));
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

/** The sprint file of a command, loaded (a bad one fails here, every problem listed). */
function loadSprint(
  opts: SprintOptions,
  io: CommandIo,
): { sprintFile?: string; sprint?: SprintFile } {
  const sprintFile = resolveSprintFile(opts.sprintFile, io.cwd);
  if (sprintFile === undefined) {
    // destroy needs no program: the state says what to delete.
    if (opts.command !== "destroy") {
      throw new UsageError(
        `no sprint file: pass one (pulumi-acp ${opts.command} path/to/sprint.yaml) or create ${DEFAULT_SPRINT_FILES[0]} in ${io.cwd}`,
      );
    }
    return {};
  }
  if (opts.command !== "destroy" || fs.existsSync(sprintFile)) {
    // A bad sprint file fails here, every problem listed, before the engine starts.
    return { sprintFile, sprint: loadSprintFile(sprintFile) };
  }
  return { sprintFile };
}

/** The sprint's stack, in a workspace whose provider processes reach `api`. */
async function openStack(
  opts: SprintOptions,
  io: CommandIo,
  setup: {
    api: ApiTarget;
    engine: ReturnType<typeof engineEnv>;
    binDir: string;
    sprintFile?: string;
  },
): Promise<Stack> {
  const { api, engine, binDir, sprintFile } = setup;
  const workDir = path.join(io.cwd, ".pulumi", "work");
  fs.mkdirSync(workDir, { recursive: true });
  const workspace: LocalWorkspaceOptions = {
    workDir,
    // The Sprint resource is the `acp` plugin's: the engine finds it in the package (`plugins`
    // is a Pulumi.yaml setting that the Automation API's type does not list).
    projectSettings: {
      name: SPRINT_PROJECT,
      runtime: "nodejs",
      plugins: { providers: [{ name: "acp", path: ACP_PLUGIN_DIR }] },
    } as ProjectSettings,
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
  if ((await stackConfigKeys(stack)).includes("acp:baseUrl")) {
    await stack.removeConfig("acp:baseUrl");
  }
  return stack;
}

/**
 * The keys of the stack's config, from its settings file (Pulumi.<stack>.yaml in the workspace,
 * where `setConfig` writes). Read in this process: asking the CLI (`pulumi config`) costs a
 * process start on every command.
 */
async function stackConfigKeys(stack: Stack): Promise<string[]> {
  try {
    return Object.keys((await stack.workspace.stackSettings(stack.name)).config ?? {});
  } catch {
    return []; // a new stack: no settings file yet
  }
}

/** Whether this destroy runs the sprint program (see {@link destroyRunsProgram}). */
async function destroyProgram(stack: Stack, localBackendDir: string | undefined) {
  const deployment = await readDeployment(stack, { project: SPRINT_PROJECT, localBackendDir });
  return destroyRunsProgram(await stackConfigKeys(stack), deployment);
}

/** Runs one sprint command; resolves to its exit code (see {@link EXIT}). */
export async function runSprintCommand(opts: SprintOptions, io: CommandIo): Promise<number> {
  const started = Date.now();
  const say = (text = "") => io.stdout.write(`${text}\n`);
  const { sprintFile, sprint } = loadSprint(opts, io);

  const applies = opts.command === "up" || opts.command === "destroy";
  const fastRunFile = fastRunFilePath(io.cwd, opts.stack);

  const binDir = ensurePulumi();
  const api = await apiTarget({
    baseUrl: opts.baseUrl,
    env: io.env,
    dataFile: path.join(io.cwd, ".acp", "emulator.json"),
    cwd: io.cwd,
  });
  try {
    const engine = engineEnv(io);
    const stack = await openStack(opts, io, { api, engine, binDir, sprintFile });
    // A fast run recorded in the backend that did not finish: this command repairs it and goes
    // on under its id (see recover.ts); one still alive holds the stack (state-lock.ts).
    const run = await fastRunOf(stack, opts, io, engine, {
      fast: applies && fastWanted(opts.fast, io.env),
      fastRunFile,
    });
    const { fast, afterKilledDefault } = run;

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

    // A destroy without acp config in play needs no program (see destroyRunsProgram).
    const runProgram =
      opts.command === "destroy"
        ? Boolean(sprint) && (await destroyProgram(stack, engine.localBackendDir))
        : Boolean(sprint);
    const hooks = await fastRunHooks({
      stack,
      opts,
      io,
      run,
      fastRunFile,
      backend: engine,
      client: () => new AcpClient({ baseUrl: api.baseUrl, token: api.token }),
    });
    return await run.backendRun.guard({ runId: run.runId, fresh: !run.interrupted }, () =>
      whileInterruptible(io, (interrupted) =>
        runOnStack(
          stack,
          opts,
          io,
          { sprintFile, sprint, runProgram, localBackendDir: engine.localBackendDir, interrupted },
          started,
          hooks,
        ),
      ),
    );
  } finally {
    // The emulator's store is written after every change, so closing loses nothing.
    await api.close();
  }
}

/**
 * On a terminal, without --yes: shows what an up would change (or names the stack a destroy
 * empties) and asks. False when there is nothing to do or the user said no.
 */
async function goAhead(
  stack: Stack,
  opts: SprintOptions,
  io: CommandIo,
  progress: (planning: boolean) => Progress,
): Promise<boolean> {
  const say = (text = "") => io.stdout.write(`${text}\n`);
  if (!io.interactive || opts.yes || (opts.command !== "up" && opts.command !== "destroy")) {
    return true;
  }
  const plan = progress(true);
  const preview = () => stack.preview({ color: "never", onEvent: (e) => plan.onEvent(e) });
  const planned =
    opts.command === "up"
      ? (await withQuietSdk(preview).finally(() => plan.flush())).changeSummary
      : undefined;
  if (planned && describeChanges(planned) === "No changes.") {
    say("No changes.");
    return false;
  }
  const question =
    opts.command === "up"
      ? `\n${describeChanges(planned)} Apply them?`
      : `Delete every task and thread of stack ${opts.stack}?`;
  if (!(await confirm(io, question))) {
    say("Nothing changed.");
    return false;
  }
  return true;
}

async function runOnStack(
  stack: Stack,
  opts: SprintOptions,
  io: CommandIo,
  run: StackRun,
  started: number,
  hooks: ChangeHooks,
): Promise<number> {
  const say = (text = "") => io.stdout.write(`${text}\n`);
  const { sprintFile, sprint } = run;
  const where = { project: SPRINT_PROJECT, localBackendDir: run.localBackendDir };
  let move: MovePlan | undefined;
  if (sprint && sprintFile && (opts.command === "up" || opts.command === "preview")) {
    const design = opts.design ?? sprint.resource ?? "task";
    move = await prepareDesign(
      stack,
      { command: opts.command, sprintFile, sprint, design },
      say,
      where,
    );
  }
  const colour = io.interactive && blank(io.env.NO_COLOR);
  const progress = (planning: boolean) => new Progress(io.stdout, { planning, colour });

  if (!(await goAhead(stack, opts, io, progress))) return EXIT.ok;

  const { changes, outputs } = await withQuietSdk(() =>
    runOperation(stack, opts.command, { ...run, progress, hooks, move, where }),
  );

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
