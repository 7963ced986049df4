/** Small inline programs for the end-to-end suites. */
import * as pulumi from "@pulumi/pulumi";
import { Task, type TaskArgs } from "pulumi-acp";

/** A task of a test graph: Task inputs, with dependencies named by key. */
export type TaskSpec = Omit<TaskArgs, "dependencyIds"> & { dependsOn?: string[] };

/** Declares one task of a test graph: the dynamic Task, or the plugin's resource. */
export type DeclareTask = (
  name: string,
  args: TaskArgs,
  opts?: pulumi.CustomResourceOptions,
) => pulumi.CustomResource;

/**
 * A program declaring one Task per key, with dependencyIds wired from the keys, exporting the
 * ids by key as `ids`. `opts` adds resource options per key; `declare` makes each task.
 */
export function taskGraph(
  specs: Record<string, TaskSpec>,
  opts: Record<string, pulumi.CustomResourceOptions> = {},
  declare: DeclareTask = (name, args, o) => new Task(name, args, o),
): () => Promise<Record<string, unknown>> {
  return async () => {
    const tasks: Record<string, pulumi.CustomResource> = {};
    const build = (key: string): pulumi.CustomResource => {
      if (tasks[key]) return tasks[key];
      const { dependsOn, ...args } = specs[key];
      const deps = (dependsOn ?? []).map(build);
      tasks[key] = declare(
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
