/**
 * The `Sprint` class for TypeScript programs: a `CustomResource` of the `acp` plugin's
 * `acp:index:Sprint` (the Sprint is served by the plugin only), typed like the other resources.
 * The program's Pulumi.yaml declares the plugin (`plugins: providers: [{ name: acp, path:
 * node_modules/pulumi-acp/plugin }]`).
 */
import * as pulumi from "@pulumi/pulumi";
import { RESOURCE_KINDS, type SprintTaskState } from "../core";
import type { TaskArgs } from "../dynamic/generated/task";

/** A task field a Sprint's task sets: a Task's inputs but its dependencies. */
export type SprintTaskField = Exclude<keyof TaskArgs, "dependencyIds" | "adoptExistingId">;

/** One task of a Sprint: a Task's inputs, with its dependencies named by key. */
export interface SprintTaskArgs extends Omit<TaskArgs, "dependencyIds"> {
  /** Keys (in the same Sprint) of the tasks that must be done first. Order does not matter. */
  dependsOn?: string[];
  /** Fields set at create and then left as the server has them (fields agents move: `status`). */
  ignoreChanges?: SprintTaskField[];
}

/** Inputs of a Sprint. */
export interface SprintArgs {
  /** The tasks by key. */
  tasks: pulumi.Input<Record<string, pulumi.Input<SprintTaskArgs>>>;
  /** Task inputs applied to every task that does not set them. */
  defaults?: pulumi.Input<
    Omit<SprintTaskArgs, "title" | "dependsOn" | "ignoreChanges" | "adoptExistingId">
  >;
  /** API requests in flight at once (default 8: see the README). */
  concurrency?: pulumi.Input<number>;
  /**
   * Own the sprint's membership: refresh records the tasks of the tasks' one sprintId that the
   * program does not declare, and the next up deletes them. Default false.
   */
  exclusive?: pulumi.Input<boolean>;
}

/**
 * A whole task graph as one resource (`acp:index:Sprint`): the provider creates the tasks in
 * dependency order, updates each changed task with one PATCH of its changed fields and deletes
 * dependents first, in one engine step. Threads and agent runs depend on `taskIds`.
 */
export class Sprint extends pulumi.CustomResource {
  /** The tasks' ids by key. */
  declare public readonly taskIds: pulumi.Output<Record<string, string>>;
  /** The graph as a Mermaid flowchart. */
  declare public readonly mermaid: pulumi.Output<string>;
  /** Per task: its id and the last applied value of each declared field (compact). */
  declare public readonly tasks: pulumi.Output<Record<string, SprintTaskState>>;
  /** Tasks the next up deletes (see the README). */
  declare public readonly strayTaskIds: pulumi.Output<string[] | undefined>;

  constructor(name: string, args: SprintArgs, opts?: pulumi.CustomResourceOptions) {
    // Every output seeded, or the SDK does not expose it (pulumi/pulumi#2931).
    const outputs = Object.fromEntries(
      Object.keys(RESOURCE_KINDS.sprint.fields).map((field) => [field, undefined]),
    );
    super(RESOURCE_KINDS.sprint.pluginToken, name, { ...outputs, ...args }, opts);
  }
}
