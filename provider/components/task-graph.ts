import * as pulumi from "@pulumi/pulumi";
import { Task, type TaskArgs } from "../dynamic/task";
import { TaskThread, type TaskThreadArgs } from "../dynamic/task-thread";
import type { ThreadMode } from "../core";
import { toMermaid, validateGraph } from "./graph";

/** The thread a {@link TaskGraph} starts or runs for one task: TaskThread inputs but `taskId`. */
export type TaskGraphThread = Omit<TaskThreadArgs, "taskId" | "mode"> & {
  /** `start` (start-thread: the task's first thread) or `run` (run-thread, runs during up). */
  mode: ThreadMode;
};

/** One task of a {@link TaskGraph}: Task inputs, with dependencies named by key. */
export type TaskGraphTask = Omit<TaskArgs, "dependencyIds"> & {
  /** Keys (in the same graph) of the tasks that must be done first. */
  dependsOn?: string[];
  /** A thread to start or run for the task once it exists. */
  thread?: TaskGraphThread;
};

/**
 * Task inputs applied to every task of the graph that does not set them (projectId, sprintId,
 * priority, ...). Not `title` (each task has its own), `dependencyIds` (use `dependsOn`) or
 * `adoptExistingId` (names one task).
 */
export type TaskGraphDefaults = Partial<
  Omit<TaskArgs, "title" | "dependencyIds" | "adoptExistingId">
>;

/** Inputs of a {@link TaskGraph}. */
export interface TaskGraphArgs {
  /** The tasks by key. A key names the task in `dependsOn` and in the child resources' names. */
  tasks: Record<string, TaskGraphTask>;
  /** Inputs applied to every task that does not set them. */
  defaults?: TaskGraphDefaults;
}

/**
 * A set of tasks declared by key, with their dependencies and threads
 * (`acp:index:TaskGraph`). Creates one {@link Task} per key (named `<name>-<key>`), its
 * `dependencyIds` wired from the keys' ids, and a {@link TaskThread} (`<name>-<key>-thread`)
 * for each task with a `thread`. The graph is validated before any resource is declared:
 * unknown, self and duplicate dependencies and cycles throw a `TaskGraphError` naming the keys.
 */
export class TaskGraph extends pulumi.ComponentResource {
  /** The tasks' ids by key. */
  public readonly taskIds: pulumi.Output<Record<string, string>>;
  /** The threads' ids by task key (only the tasks with a `thread`). */
  public readonly threadIds: pulumi.Output<Record<string, string>>;
  /** The Task resources by key (for dependencies, outputs and resource options). */
  public readonly tasks: Record<string, Task>;
  /** The TaskThread resources by task key. */
  public readonly threads: Record<string, TaskThread>;
  /** The graph as a Mermaid `flowchart TD`: a node per task with its title, dependency --> dependent. */
  public readonly mermaid: pulumi.Output<string>;

  constructor(name: string, args: TaskGraphArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before registering anything, so a bad graph leaves no half-declared resources.
    if (!args || typeof args.tasks !== "object" || args.tasks === null) {
      throw new Error(`TaskGraph "${name}": "tasks" is required: an object of tasks by key`);
    }
    validateGraph(args.tasks, `TaskGraph "${name}"`);
    super("acp:index:TaskGraph", name, {}, opts);

    const defaults = args.defaults ?? {};
    const tasks: Record<string, Task> = {};
    const threads: Record<string, TaskThread> = {};
    const build = (key: string): Task => {
      const existing = tasks[key];
      if (existing) return existing;
      const { dependsOn, thread, ...own } = args.tasks[key];
      // Dependencies first: their ids are this task's inputs. The graph has no cycle.
      const deps = (dependsOn ?? []).map(build);
      const taskArgs: TaskArgs = {
        ...withoutUndefined(defaults),
        ...withoutUndefined(own),
      } as TaskArgs;
      if (dependsOn !== undefined) taskArgs.dependencyIds = deps.map((d) => d.id);
      const task = this.declareTask(`${name}-${key}`, taskArgs, { parent: this });
      tasks[key] = task;
      if (thread) {
        threads[key] = this.declareThread(
          `${name}-${key}-thread`,
          { ...thread, taskId: task.id },
          { parent: this, dependsOn: [task] },
        );
      }
      return task;
    };
    for (const key of Object.keys(args.tasks)) build(key);

    this.tasks = tasks;
    this.threads = threads;
    this.taskIds = idsByKey(tasks);
    this.threadIds = idsByKey(threads);
    const titles = pulumi.all(
      Object.fromEntries(Object.keys(args.tasks).map((k) => [k, args.tasks[k].title])),
    );
    this.mermaid = titles.apply((t) =>
      toMermaid(
        Object.fromEntries(
          Object.keys(args.tasks).map((k) => [
            k,
            { title: t[k] as string, dependsOn: args.tasks[k].dependsOn },
          ]),
        ),
      ),
    );
    this.registerOutputs({
      taskIds: this.taskIds,
      threadIds: this.threadIds,
      mermaid: this.mermaid,
    });
  }

  /**
   * Declares one task of the graph. The provider plugin's TaskGraph declares its own Task
   * resource here; the graph's logic is the same for both.
   */
  protected declareTask(name: string, args: TaskArgs, opts: pulumi.CustomResourceOptions): Task {
    return new Task(name, args, opts);
  }

  /** Declares the thread of one task of the graph (see {@link declareTask}). */
  protected declareThread(
    name: string,
    args: TaskThreadArgs,
    opts: pulumi.CustomResourceOptions,
  ): TaskThread {
    return new TaskThread(name, args, opts);
  }
}

function withoutUndefined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function idsByKey(
  resources: Record<string, pulumi.CustomResource>,
): pulumi.Output<Record<string, string>> {
  return pulumi
    .all(Object.fromEntries(Object.entries(resources).map(([k, r]) => [k, r.id])))
    .apply((ids) => ids as Record<string, string>);
}
