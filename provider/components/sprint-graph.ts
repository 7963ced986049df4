/**
 * The TaskGraph of a sprint whose tasks are one Sprint resource (`resource: sprint`, or
 * `pulumi-acp up --bulk`): the provider applies the whole graph in one engine step. The task
 * threads, project threads and runs are the TaskGraph's own, with the same names and parent as
 * in the per-task design, each after the Sprint and given its task's id from `taskIds`.
 */
import { Sprint } from "../plugin-resources/sprint";
import { TaskGraph, type DeclaredTasks, type TaskGraphArgs } from "./task-graph";

/** A TaskGraph whose tasks are declared by one Sprint (named after the graph) instead of a Task each. */
export class SprintTaskGraph extends TaskGraph {
  /** The Sprint that declares the graph's tasks. */
  declare public readonly sprint: Sprint;

  /** One Sprint for every task; what waits for a task waits for the Sprint. */
  protected override declareTasks(name: string, args: TaskGraphArgs): DeclaredTasks {
    const tasks = Object.fromEntries(
      Object.entries(args.tasks).map(([key, { thread: _thread, ...task }]) => [key, task]),
    );
    const sprint = new Sprint(name, { tasks, defaults: args.defaults }, { parent: this });
    // Set while the base constructor runs: `declare` keeps the field from being reset after it.
    (this as { sprint: Sprint }).sprint = sprint;
    return {
      tasks: {},
      resources: Object.fromEntries(Object.keys(args.tasks).map((key) => [key, sprint])),
      taskIds: sprint.taskIds,
      taskId: (key) => sprint.taskIds.apply((ids) => ids[key]),
    };
  }
}
