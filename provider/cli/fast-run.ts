/**
 * A sprint command's fast-run part: the repair of a fast run that did not finish (see
 * ./recover.ts), and the hooks that keep the fast-run file (./fast.ts) around an up or destroy
 * and delete, on destroy, what an interrupted run created and never recorded.
 */
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import type { AcpClient } from "../client";
import { UsageError, type SprintOptions } from "./args";
import { SPRINT_PROJECT, type CommandIo } from "./command-io";
import {
  fastEngineEnv,
  fastRunFileFor,
  newFastRunId,
  readFastRunFile,
  removeFastRunFile,
  writeFastRunFile,
  type FastRunFile,
} from "./fast";
import { BackendFastRun, pendingCreates } from "./fast-record";
import {
  deleteRunTasks,
  deleteRunThreads,
  describeRepair,
  dropPendingOperations,
  repairInterruptedRun,
  RunInProgressError,
} from "./recover";
import { clearLockCommand } from "./state-lock";

/** What runs around an up or destroy that changes the stack. */
export interface ChangeHooks {
  /** Just before an up or destroy changes anything. */
  beforeChange(): Promise<void>;
  /** After the engine finished an up or destroy without error. */
  changed(): Promise<void>;
}

/** The backend a command keeps the stack's state in (see ./backend.ts). */
interface StateBackend {
  env: Record<string, string>;
  /** Names the backend in messages and in the fast-run file. */
  label: string;
  localBackendDir?: string;
}

/** How this command runs: fast or not, under which run id, after which interrupted run. */
export interface FastRun {
  /** The record of fast runs kept with the state (./fast-record.ts). */
  backendRun: BackendFastRun;
  /** A fast run that did not finish, from the backend's record or the local fast-run file. */
  interrupted: FastRunFile | undefined;
  fast: boolean;
  /** This run's id: the interrupted run's, or a new one for a fast run. */
  runId: string | undefined;
  /** Creates a killed default run left pending in the state; this up then runs as one too. */
  afterKilledDefault: number;
}

/**
 * Reads the stack's fast-run record and decides how this command runs; sets the engine's
 * environment of the fast run (./fast.ts) on the stack's workspace.
 */
export async function fastRunOf(
  stack: Stack,
  opts: SprintOptions,
  io: CommandIo,
  engine: StateBackend,
  wanted: { fast: boolean; fastRunFile: string },
): Promise<FastRun> {
  const { fastRunFile } = wanted;
  const backendRun = new BackendFastRun(
    stack,
    {
      project: SPRINT_PROJECT,
      stack: opts.stack,
      backend: engine.label,
      localBackendDir: engine.localBackendDir,
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
  const interrupted = await backendRun.interrupted(opts.command, readFastRunFile(fastRunFile), () =>
    removeFastRunFile(fastRunFile),
  );
  // After a killed default run, this up runs as one too (see pendingCreates).
  const afterKilledDefault =
    wanted.fast && !interrupted && opts.command === "up"
      ? await pendingCreates(stack, {
          project: SPRINT_PROJECT,
          localBackendDir: engine.localBackendDir,
        })
      : 0;
  const fast = wanted.fast && afterKilledDefault === 0;
  const runId = interrupted?.runId ?? (fast ? newFastRunId() : undefined);
  Object.assign(stack.workspace.envVars, fastEngineEnv({ fast, runId, fastRunFile }));
  return { backendRun, interrupted, fast, runId, afterKilledDefault };
}

/** What the fast-run part of a command needs to know. */
export interface FastRunSetup {
  stack: Stack;
  opts: SprintOptions;
  io: CommandIo;
  run: FastRun;
  fastRunFile: string;
  /** The backend the state is in (its label names it in the fast-run file). */
  backend: { label: string; localBackendDir?: string };
  client: () => AcpClient;
}

/** Repairs the stack after an interrupted fast run, then the hooks of this run's change. */
export async function fastRunHooks(setup: FastRunSetup): Promise<ChangeHooks> {
  const { stack, opts, io, run, fastRunFile, backend: engine, client } = setup;
  const { interrupted, runId, backendRun } = run;
  const say = (text = "") => io.stdout.write(`${text}\n`);
  let runTasks: Parameters<typeof deleteRunTasks>[1] = [];
  let runThreads: Parameters<typeof deleteRunThreads>[1] = [];
  if (interrupted && interrupted.backend !== engine.label) {
    throw new UsageError(
      `the fast-run file ${path.relative(io.cwd, fastRunFile)} is for the stack's state in ${interrupted.backend}, and this command uses ${engine.label}: run it with the backend of the interrupted run to repair that stack (or delete the file if that stack is gone)`,
    );
  }
  if (interrupted) {
    say(
      `The fast ${interrupted.command} of this stack started at ${interrupted.startedAt} did not finish: repairing the stack first.`,
    );
    const report = await backendRun.guard({ fresh: false }, () =>
      repairInterruptedRun({
        stack,
        fastRun: interrupted,
        fastRunFile,
        client: client(),
        localBackendDir: engine.localBackendDir,
      }),
    );
    for (const line of describeRepair(report, opts.command)) say(`  repaired: ${line}`);
    say();
    runTasks = report.foundTasks;
    runThreads = report.foundThreads;
  }
  const fastRun = runId
    ? fastRunFileFor({
        project: SPRINT_PROJECT,
        stack: opts.stack,
        command: opts.command,
        runId,
        backend: engine.label,
        adopt: readFastRunFile(fastRunFile)?.adopt,
      })
    : undefined;
  return {
    beforeChange: async () => {
      // Another fast run started on this stack since this command began: leave it alone.
      const current = readFastRunFile(fastRunFile);
      if (current && current.runId !== runId) throw new RunInProgressError(current);
      if (fastRun) writeFastRunFile(fastRunFile, fastRun);
      if (fastRun) await backendRun.begin(fastRun);
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
      if (fastRun) removeFastRunFile(fastRunFile);
      if (fastRun) await backendRun.end(fastRun.runId);
      // Those creates are done now: nothing in the state waits for them.
      if (run.afterKilledDefault > 0) await dropPendingOperations(stack);
    },
  };
}
