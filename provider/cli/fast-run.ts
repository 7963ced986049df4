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
import { markerFor, readMarker, removeMarker, writeMarker, type FastRunMarker } from "./fast";
import {
  deleteRunTasks,
  deleteRunThreads,
  describeRepair,
  repairInterruptedRun,
  RunInProgressError,
} from "./recover";

/** What runs around an up or destroy that changes the stack. */
export interface ChangeHooks {
  /** Just before an up or destroy changes anything. */
  beforeChange(): Promise<void>;
  /** After the engine finished an up or destroy without error. */
  changed(): Promise<void>;
}

/** What the fast-run part of a command needs to know. */
export interface FastRunSetup {
  stack: Stack;
  opts: SprintOptions;
  io: CommandIo;
  /** The fast-run file a run that did not finish left behind. */
  interrupted: FastRunMarker | undefined;
  /** This run's id: the interrupted run's, or a new one for a fast run. */
  runId: string | undefined;
  markerFile: string;
  /** The backend the state is in (its label names it in the fast-run file). */
  backend: { label: string; localBackendDir?: string };
  client: () => AcpClient;
}

/** Repairs the stack after an interrupted fast run, then the hooks of this run's change. */
export async function fastRunHooks(setup: FastRunSetup): Promise<ChangeHooks> {
  const { stack, opts, io, interrupted, runId, markerFile, backend: engine, client } = setup;
  const say = (text = "") => io.stdout.write(`${text}\n`);
  let runTasks: Parameters<typeof deleteRunTasks>[1] = [];
  let runThreads: Parameters<typeof deleteRunThreads>[1] = [];
  if (interrupted && interrupted.backend !== engine.label) {
    throw new UsageError(
      `the fast-run marker ${path.relative(io.cwd, markerFile)} is for the stack's state in ${interrupted.backend}, and this command uses ${engine.label}: run it with the backend of the interrupted run to repair that stack (or delete the marker if that stack is gone)`,
    );
  }
  if (interrupted) {
    say(
      `The fast ${interrupted.command} of this stack started at ${interrupted.startedAt} did not finish: repairing the stack first.`,
    );
    const report = await repairInterruptedRun({
      stack,
      marker: interrupted,
      markerFile,
      client: client(),
      localBackendDir: engine.localBackendDir,
    });
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
  return {
    beforeChange: async () => {
      // Another fast run started on this stack since this command began: leave it alone.
      const current = readMarker(markerFile);
      if (current && current.runId !== runId) throw new RunInProgressError(current);
      if (marker) writeMarker(markerFile, marker);
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
    },
  };
}
