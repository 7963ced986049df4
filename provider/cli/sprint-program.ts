/**
 * The sprint program: a TaskGraph declared by a sprint file (YAML or JSON). The `pulumi-acp`
 * command runs it as an Automation API inline program; the sprint-from-file example runs the
 * same function under the Pulumi CLI.
 */
import * as path from "node:path";
import type { PulumiFn } from "@pulumi/pulumi/automation";
import { loadSprintFile, TaskGraph, type SprintDesign, type SprintFile } from "../components";
import { SprintTaskGraph } from "../components/sprint-graph";
import type { TaskGraphArgs } from "../components/task-graph";
import { withInputsOnly } from "../dynamic/registration";

/** How {@link sprintProgram} declares the sprint's tasks. */
export interface SprintProgramOptions {
  /**
   * `task` (one resource per task) or `sprint` (one Sprint resource for every task, through the
   * `acp` provider plugin, which the project must declare). Default: the file's `resource`,
   * else `task`.
   */
  design?: SprintDesign;
  /**
   * Key → id of an existing task to adopt (`adoptExistingId`) where the file sets none: how the
   * command moves a stack between the designs without creating any task again.
   */
  adopt?: Record<string, string>;
}

/**
 * A Pulumi program that declares the sprint of `sprintFilePath` as one TaskGraph (named after
 * the file's `name`, default "sprint") and exports `taskIds`, `threadIds`, `projectThreadIds`,
 * `runIds` and `mermaid`, the same in both designs. The file is read when the program runs, so
 * every `up` declares what the file says at that time.
 */
export function sprintProgram(
  sprintFilePath: string,
  options: SprintProgramOptions = {},
): PulumiFn {
  // Resolved now: the engine may run the program with another working directory.
  const file = path.resolve(sprintFilePath);
  return async () => {
    const sprint = loadSprintFile(file);
    const args = graphArgs(sprint, options.adopt ?? {});
    const design = options.design ?? sprint.resource ?? "task";
    const name = sprint.name ?? "sprint";
    // The program reads and exports ids only: its resources register their inputs alone.
    const graph = withInputsOnly(() =>
      design === "sprint" ? new SprintTaskGraph(name, args) : new TaskGraph(name, args),
    );
    return {
      taskIds: graph.taskIds,
      threadIds: graph.threadIds,
      projectThreadIds: graph.projectThreadIds,
      runIds: graph.runIds,
      mermaid: graph.mermaid,
    };
  };
}

/** The TaskGraph args of a sprint file, each task in `adopt` adopting its id. */
function graphArgs(sprint: SprintFile, adopt: Record<string, string>): TaskGraphArgs {
  const tasks = Object.fromEntries(
    Object.entries(sprint.tasks).map(([key, task]) => [
      key,
      adopt[key] !== undefined && task.adoptExistingId === undefined
        ? { ...task, adoptExistingId: adopt[key] }
        : task,
    ]),
  );
  return { tasks, defaults: sprint.defaults, threads: sprint.threads, runs: sprint.runs };
}
