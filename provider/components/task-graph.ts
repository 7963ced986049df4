import * as pulumi from "@pulumi/pulumi";
import { Task, type TaskArgs } from "../dynamic/task";
import { TaskThread, type TaskThreadArgs } from "../dynamic/task-thread";
import { Thread, type ThreadArgs } from "../dynamic/thread";
import { AgentRun, type AgentRunArgs } from "../dynamic/agent-run";
import type { ThreadMode } from "../core";
import { notATaskOf, TaskGraphError, toMermaid, validateGraph, type MermaidWork } from "./graph";

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

/** What the graph's project threads and runs can wait for: tasks of the graph, by key. */
export interface AfterTasks {
  /** Keys of the graph's tasks to create first (their ids are not inputs: this orders only). */
  dependsOn?: string[];
}

/** A project thread of a {@link TaskGraph} (`POST /v1/threads`): a Thread's inputs. */
export type TaskGraphProjectThread = ThreadArgs & AfterTasks;

/** An agent run of a {@link TaskGraph} (`POST /v1/servers/{serverId}/runs`): an AgentRun's inputs. */
export type TaskGraphRun = AgentRunArgs & AfterTasks;

/** The tasks of a {@link TaskGraph} as declared: what its threads and runs wait for. */
export interface DeclaredTasks {
  /** The Task resources by key (none when one resource declares every task). */
  tasks: Record<string, Task>;
  /** The resource that declares each task, by key: what depends on the task depends on it. */
  resources: Record<string, pulumi.Resource>;
  /** The tasks' ids by key. */
  taskIds: pulumi.Output<Record<string, string>>;
  /** One task's id, known as soon as that task exists. */
  taskId(key: string): pulumi.Input<string>;
}

/** Inputs of a {@link TaskGraph}. */
export interface TaskGraphArgs {
  /** The tasks by key. A key names the task in `dependsOn` and in the child resources' names. */
  tasks: Record<string, TaskGraphTask>;
  /** Inputs applied to every task that does not set them. */
  defaults?: TaskGraphDefaults;
  /** Threads outside any task (a kickoff, a standing conversation), by key: `<name>-thread-<key>`. */
  threads?: Record<string, TaskGraphProjectThread>;
  /** Agent runs (a setup job), by key: `<name>-run-<key>`. */
  runs?: Record<string, TaskGraphRun>;
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
  /** The project threads' ids by key (`threads`). */
  public readonly projectThreadIds: pulumi.Output<Record<string, string>>;
  /** The agent runs' ids by key (`runs`). */
  public readonly runIds: pulumi.Output<Record<string, string>>;
  /** The Thread resources by key. */
  public readonly projectThreads: Record<string, Thread>;
  /** The AgentRun resources by key. */
  public readonly runs: Record<string, AgentRun>;
  /**
   * The graph as a Mermaid `flowchart TD`: a node per task with its title, dependency -->
   * dependent; project threads and runs as rounded and framed nodes after the tasks they wait for.
   */
  public readonly mermaid: pulumi.Output<string>;

  constructor(name: string, args: TaskGraphArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before registering anything, so a bad graph leaves no half-declared resources.
    if (!args || typeof args.tasks !== "object" || args.tasks === null) {
      throw new Error(`TaskGraph "${name}": "tasks" is required: an object of tasks by key`);
    }
    validateGraph(args.tasks, `TaskGraph "${name}"`);
    validateWork(name, args);
    super("acp:index:TaskGraph", name, {}, opts);

    const declared = this.declareTasks(name, args);
    const threads = this.declareTaskThreads(name, args, declared);

    const after = (dependsOn: string[] | undefined): pulumi.CustomResourceOptions => ({
      parent: this,
      dependsOn: (dependsOn ?? []).map((k) => declared.resources[k]),
    });
    const projectThreads: Record<string, Thread> = {};
    for (const [key, { dependsOn, ...threadArgs }] of Object.entries(args.threads ?? {})) {
      projectThreads[key] = this.declareProjectThread(
        `${name}-thread-${key}`,
        threadArgs,
        after(dependsOn),
      );
    }
    const runs: Record<string, AgentRun> = {};
    for (const [key, { dependsOn, ...runArgs }] of Object.entries(args.runs ?? {})) {
      runs[key] = this.declareRun(`${name}-run-${key}`, runArgs, after(dependsOn));
    }

    this.tasks = declared.tasks;
    this.threads = threads;
    this.projectThreads = projectThreads;
    this.runs = runs;
    this.taskIds = declared.taskIds;
    this.threadIds = idsByKey(threads);
    this.projectThreadIds = idsByKey(projectThreads);
    this.runIds = idsByKey(runs);
    this.mermaid = graphMermaid(args);
    this.registerOutputs({
      taskIds: this.taskIds,
      threadIds: this.threadIds,
      projectThreadIds: this.projectThreadIds,
      runIds: this.runIds,
      mermaid: this.mermaid,
    });
  }

  /**
   * Declares the graph's tasks: by default one Task per key, each after its dependencies. A
   * graph that declares them another way (one Sprint for all of them) overrides this; the
   * threads, project threads and runs are declared the same way after either.
   */
  protected declareTasks(name: string, args: TaskGraphArgs): DeclaredTasks {
    const defaults = args.defaults ?? {};
    const tasks: Record<string, Task> = {};
    const build = (key: string): Task => {
      const existing = tasks[key];
      if (existing) return existing;
      const { dependsOn, thread: _thread, ...own } = args.tasks[key];
      // Dependencies first: their ids are this task's inputs. The graph has no cycle.
      const deps = (dependsOn ?? []).map(build);
      const taskArgs: TaskArgs = {
        ...withoutUndefined(defaults),
        ...withoutUndefined(own),
      } as TaskArgs;
      if (dependsOn !== undefined) taskArgs.dependencyIds = deps.map((d) => d.id);
      const task = this.declareTask(`${name}-${key}`, taskArgs, { parent: this });
      tasks[key] = task;
      return task;
    };
    for (const key of Object.keys(args.tasks)) build(key);
    return {
      tasks,
      resources: tasks,
      taskIds: idsByKey(tasks),
      taskId: (key) => tasks[key].id,
    };
  }

  /** Declares the thread of each task with a `thread`, once its task exists. */
  private declareTaskThreads(
    name: string,
    args: TaskGraphArgs,
    declared: DeclaredTasks,
  ): Record<string, TaskThread> {
    const threads: Record<string, TaskThread> = {};
    for (const [key, { thread, adoptExistingId }] of Object.entries(args.tasks)) {
      if (!thread) continue;
      // An adopted task's id is known before it is read: a preview then shows its thread as it
      // is, not as waiting for an id.
      threads[key] = this.declareThread(
        `${name}-${key}-thread`,
        { ...thread, taskId: adoptExistingId ?? declared.taskId(key) },
        { parent: this, dependsOn: [declared.resources[key]] },
      );
    }
    return threads;
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

  /** Declares one project thread of the graph (see {@link declareTask}). */
  protected declareProjectThread(
    name: string,
    args: ThreadArgs,
    opts: pulumi.CustomResourceOptions,
  ): Thread {
    return new Thread(name, args, opts);
  }

  /** Declares one agent run of the graph (see {@link declareTask}). */
  protected declareRun(
    name: string,
    args: AgentRunArgs,
    opts: pulumi.CustomResourceOptions,
  ): AgentRun {
    return new AgentRun(name, args, opts);
  }
}

/** The graph as a Mermaid flowchart, once every title is known. */
function graphMermaid(args: TaskGraphArgs): pulumi.Output<string> {
  const titles = pulumi.all(
    Object.fromEntries(Object.keys(args.tasks).map((k) => [k, args.tasks[k].title])),
  );
  const work = pulumi.all({ threads: titlesOf(args.threads), runs: titlesOf(args.runs) });
  return pulumi
    .all([titles, work])
    .apply(([t, w]) =>
      toMermaid(
        Object.fromEntries(
          Object.keys(args.tasks).map((k) => [
            k,
            { title: t[k] as string, dependsOn: args.tasks[k].dependsOn },
          ]),
        ),
        [
          ...mermaidWork("thread", w.threads, args.threads),
          ...mermaidWork("run", w.runs, args.runs),
        ],
      ),
    );
}

/** The titles of a graph's `threads` or `runs` by key (the key where a title is not set). */
function titlesOf(
  items: Record<string, { title?: pulumi.Input<string> }> | undefined,
): pulumi.Output<Record<string, string>> {
  return pulumi.all(
    Object.fromEntries(
      Object.entries(items ?? {}).map(([k, v]) => [k, pulumi.output(v.title ?? k)]),
    ),
  );
}

/** A graph's `threads` or `runs` as Mermaid nodes, with the tasks each waits for. */
function mermaidWork(
  kind: MermaidWork["kind"],
  titles: Record<string, unknown>,
  items: Record<string, AfterTasks> | undefined,
): MermaidWork[] {
  return Object.entries(titles).map(([key, title]) => ({
    kind,
    key,
    title: String(title),
    dependsOn: items?.[key]?.dependsOn,
  }));
}

/**
 * The graph's `threads` and `runs`: maps by key, whose `dependsOn` name tasks of the graph, and
 * whose resource names clash with no task's. Throws a TaskGraphError naming every problem.
 */
function validateWork(name: string, args: TaskGraphArgs): void {
  const problems: string[] = [];
  const taskKeys = Object.keys(args.tasks);
  const taskNames = new Set(taskKeys.flatMap((k) => [`${name}-${k}`, `${name}-${k}-thread`]));
  for (const [field, kind] of [
    ["threads", "thread"],
    ["runs", "run"],
  ] as const) {
    const map = args[field];
    if (map === undefined) continue;
    if (map === null || typeof map !== "object" || Array.isArray(map)) {
      problems.push(`"${field}" must be an object of ${field} by key`);
      continue;
    }
    for (const [key, item] of Object.entries(map)) {
      if (item === null || typeof item !== "object") {
        problems.push(`${field}.${key}: must be an object (the ${kind}'s inputs)`);
        continue;
      }
      if (taskNames.has(`${name}-${kind}-${key}`)) {
        problems.push(
          `${field}.${key}: its resource name "${name}-${kind}-${key}" is a task's too: rename the ${kind} or the task`,
        );
      }
      const deps = item.dependsOn ?? [];
      if (!Array.isArray(deps)) {
        problems.push(`${field}.${key}.dependsOn: must be a list of task keys`);
        continue;
      }
      for (const dep of deps) {
        const problem = notATaskOf(String(dep), taskKeys, "graph");
        if (problem) problems.push(`${field}.${key}.dependsOn: ${problem}`);
      }
    }
  }
  if (problems.length > 0) throw new TaskGraphError(problems, `TaskGraph "${name}"`);
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
