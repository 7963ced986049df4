/** Small inline programs for the end-to-end suites. */
import * as pulumi from "@pulumi/pulumi";
import { Task, type TaskArgs } from "pulumi-acp";

/** A task of a test graph: Task inputs, with dependencies named by key. */
export type TaskSpec = Omit<TaskArgs, "dependencyIds"> & { dependsOn?: string[] };

/**
 * A program declaring one Task per key, with dependencyIds wired from the keys, exporting the
 * ids by key as `ids`. `opts` adds resource options per key.
 */
export function taskGraph(
  specs: Record<string, TaskSpec>,
  opts: Record<string, pulumi.CustomResourceOptions> = {},
): () => Promise<Record<string, unknown>> {
  return async () => {
    const tasks: Record<string, Task> = {};
    const build = (key: string): Task => {
      if (tasks[key]) return tasks[key];
      const { dependsOn, ...args } = specs[key];
      const deps = (dependsOn ?? []).map(build);
      tasks[key] = new Task(
        key,
        { ...args, dependencyIds: dependsOn ? deps.map((d) => d.id) : undefined },
        opts[key],
      );
      return tasks[key];
    };
    Object.keys(specs).forEach(build);
    return {
      ids: pulumi.all(Object.fromEntries(Object.entries(tasks).map(([k, t]) => [k, t.id]))),
    };
  };
}
