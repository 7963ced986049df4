/**
 * The engine operation a `pulumi-acp` command runs on its stack (preview, up, refresh, destroy),
 * with its progress lines, the fast-run hooks around a change and the move between designs.
 */
import type { Stack } from "@pulumi/pulumi/automation";
import type { SprintFile } from "../components";
import type { SprintOptions } from "./args";
import { clearRetainFlags, retainMoved, type MovePlan, type StateWhere } from "./design-move";
import type { ChangeHooks } from "./fast-run";
import type { Progress } from "./progress";

/** What one command runs on its stack with, beyond its options. */
export interface StackRun {
  sprintFile?: string;
  sprint?: SprintFile;
  /** Whether a destroy runs the sprint program (see destroyRunsProgram). */
  runProgram: boolean;
  /** The command's own file backend, read without the CLI (./state-read.ts). */
  localBackendDir?: string;
  /** Whether Ctrl-C came: an engine stopped by it may still answer success. */
  interrupted: () => boolean;
}

/** What {@link runOperation} runs with. */
type OperationRun = StackRun & {
  progress: (planning: boolean) => Progress;
  hooks: ChangeHooks;
  move?: MovePlan;
  where: StateWhere;
};

/** What an operation changed and output. */
interface OperationResult {
  changes?: Record<string, number>;
  outputs: Record<string, { value: unknown }>;
}

/** The engine operation of `command`, with its progress lines; what it changed and output. */
export async function runOperation(
  stack: Stack,
  command: SprintOptions["command"],
  run: OperationRun,
): Promise<OperationResult> {
  const p = run.progress(command === "preview");
  try {
    return await operate(stack, command, run, p);
  } finally {
    p.flush();
  }
}

async function operate(
  stack: Stack,
  command: SprintOptions["command"],
  run: OperationRun,
  p: Progress,
): Promise<OperationResult> {
  const { hooks, interrupted } = run;
  const common = { color: "never" as const };
  const onEvent = (e: Parameters<Progress["onEvent"]>[0]) => p.onEvent(e);
  if (command === "preview") {
    const res = await stack.preview({ ...common, onEvent });
    return { changes: res.changeSummary, outputs: {} };
  }
  if (command === "refresh") {
    return {
      changes: (await stack.refresh({ ...common, onEvent })).summary.resourceChanges,
      outputs: {},
    };
  }
  await hooks.beforeChange();
  let result: OperationResult;
  if (command === "up") {
    if (run.move) await retainMoved(stack, run.move);
    const res = await stack.up({ ...common, onEvent });
    result = { changes: res.summary.resourceChanges, outputs: res.outputs };
  } else {
    // A move between the designs that did not finish: every record's task is deleted.
    await clearRetainFlags(stack, run.where);
    // With acp config in play, running the program configures the provider from this run's
    // settings, even when the state's provider record still holds settings of an older run.
    const res = await stack.destroy({ ...common, runProgram: run.runProgram, onEvent });
    result = { changes: res.summary.resourceChanges, outputs: {} };
  }
  // Stopped by Ctrl-C: the record stays, so the next command repairs what the run left.
  if (!interrupted()) await hooks.changed();
  return result;
}
