/**
 * The sprint program: a TaskGraph declared by a sprint file (YAML or JSON). The `pulumi-acp`
 * command runs it as an Automation API inline program; the sprint-from-file example runs the
 * same function under the Pulumi CLI.
 */
import * as path from "node:path";
import type { PulumiFn } from "@pulumi/pulumi/automation";
import { loadSprintFile, TaskGraph } from "../components";

/**
 * A Pulumi program that declares the sprint of `sprintFilePath` as one TaskGraph (named after
 * the file's `name`, default "sprint") and exports `taskIds`, `threadIds`, `projectThreadIds`,
 * `runIds` and `mermaid`. The
 * file is read when the program runs, so every `up` declares what the file says at that time.
 */
export function sprintProgram(sprintFilePath: string): PulumiFn {
  // Resolved now: the engine may run the program with another working directory.
  const file = path.resolve(sprintFilePath);
  return async () => {
    const sprint = loadSprintFile(file);
    const graph = new TaskGraph(sprint.name ?? "sprint", {
      tasks: sprint.tasks,
      defaults: sprint.defaults,
      threads: sprint.threads,
      runs: sprint.runs,
    });
    return {
      taskIds: graph.taskIds,
      threadIds: graph.threadIds,
      projectThreadIds: graph.projectThreadIds,
      runIds: graph.runIds,
      mermaid: graph.mermaid,
    };
  };
}
