/**
 * The TaskGraph component of the `acp` plugin (`construct`): the graph declares the plugin's own
 * resource types. Loaded only when a program constructs one (see provider.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import type * as provider from "@pulumi/pulumi/provider";
import { TaskGraph, type TaskGraphArgs } from "../components/task-graph";
import type { Task, TaskArgs } from "../dynamic/task";
import type { TaskThread, TaskThreadArgs } from "../dynamic/task-thread";
import type { Thread, ThreadArgs } from "../dynamic/thread";
import type { AgentRun, AgentRunArgs } from "../dynamic/agent-run";
import { TYPE_TOKENS } from "./schema";

type Props = Record<string, unknown>;

/** A resource of the plugin's TaskGraph: one of the plugin's own resource types. */
class PluginResource extends pulumi.CustomResource {
  constructor(type: string, name: string, args: object, opts: pulumi.CustomResourceOptions) {
    super(type, name, { ...args }, opts);
  }
}

/** The TaskGraph component, declaring the plugin's resources. */
class PluginTaskGraph extends TaskGraph {
  protected override declareProjectThread(
    name: string,
    args: ThreadArgs,
    opts: pulumi.CustomResourceOptions,
  ): Thread {
    return new PluginResource(TYPE_TOKENS.thread, name, args, opts) as unknown as Thread;
  }

  protected override declareRun(
    name: string,
    args: AgentRunArgs,
    opts: pulumi.CustomResourceOptions,
  ): AgentRun {
    return new PluginResource(TYPE_TOKENS.agentRun, name, args, opts) as unknown as AgentRun;
  }

  protected override declareTask(
    name: string,
    args: TaskArgs,
    opts: pulumi.CustomResourceOptions,
  ): Task {
    return new PluginResource(TYPE_TOKENS.task, name, args, opts) as unknown as Task;
  }

  protected override declareThread(
    name: string,
    args: TaskThreadArgs,
    opts: pulumi.CustomResourceOptions,
  ): TaskThread {
    return new PluginResource(TYPE_TOKENS.taskThread, name, args, opts) as unknown as TaskThread;
  }
}

/**
 * A TaskGraph's args as construct hands them over: a property that depends on other resources
 * arrives as an Output; the graph's keys and dependencies must be known to declare it.
 */
async function knownArgs(inputs: pulumi.Inputs, name: string): Promise<TaskGraphArgs> {
  const plain: Props = {};
  for (const [key, value] of Object.entries(inputs)) {
    if (!pulumi.Output.isInstance(value)) {
      plain[key] = value;
      continue;
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the SDK keeps `promise` internal
    const known = await (value as any).promise();
    if (known === undefined) {
      throw new Error(
        `TaskGraph "${name}": "${key}" is not known until apply; the graph's keys and dependsOn must be known at preview`,
      );
    }
    plain[key] = known;
  }
  return plain as unknown as TaskGraphArgs;
}

/** Constructs the TaskGraph `name` and answers its URN and outputs. */
export async function constructTaskGraph(
  name: string,
  inputs: pulumi.Inputs,
  options: pulumi.ComponentResourceOptions,
): Promise<provider.ConstructResult> {
  const graph = new PluginTaskGraph(name, await knownArgs(inputs, name), options);
  return {
    urn: graph.urn,
    state: {
      taskIds: graph.taskIds,
      threadIds: graph.threadIds,
      projectThreadIds: graph.projectThreadIds,
      runIds: graph.runIds,
      mermaid: graph.mermaid,
    },
  };
}
