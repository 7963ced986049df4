/**
 * The `acp` provider plugin's implementation: Pulumi's provider interface
 * (`@pulumi/pulumi/provider`) over the provider core, and the TaskGraph component through
 * `construct`. Resources are `acp:index:Task`, `acp:index:TaskThread`, `acp:index:Thread` and
 * `acp:index:AgentRun`, with the inputs, outputs, defaults and errors of the dynamic resources.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as provider from "@pulumi/pulumi/provider";
import { doorCore, kindOfToken } from "../core";
import { withProgressTarget } from "../core/progress";
import { TaskGraph, type TaskGraphArgs } from "../components/task-graph";
import type { Task, TaskArgs } from "../dynamic/task";
import type { TaskThread, TaskThreadArgs } from "../dynamic/task-thread";
import type { Thread, ThreadArgs } from "../dynamic/thread";
import type { AgentRun, AgentRunArgs } from "../dynamic/agent-run";
import { VERSION } from "../client/version";
import { noteDetailedDiff } from "./detailed-diff";
import { schemaText, TYPE_TOKENS } from "./schema";

type Props = Record<string, unknown>;

/** The parts of a URN (`urn:pulumi:<stack>::<project>::<parent types$type>::<name>`). */
export function parseUrn(urn: string): {
  stack: string;
  project: string;
  type: string;
  name: string;
} {
  const [head, project, qualifiedType, ...name] = urn.split("::");
  const types = (qualifiedType ?? "").split("$");
  return {
    stack: head.replace(/^urn:pulumi:/, ""),
    project: project ?? "",
    type: types[types.length - 1],
    name: name.join("::"),
  };
}

function coreFor(urn: string) {
  const { type } = parseUrn(urn);
  const kind = type.startsWith("acp:") ? kindOfToken(type) : undefined;
  if (!kind) throw new Error(`the acp provider has no resource type ${type}; upgrade pulumi-acp`);
  return doorCore(kind);
}

/**
 * The resource's key, `<project>/<stack>/<name>`, as the dynamic resources record it: it keeps
 * a create's idempotency key stable for one resource across engine runs.
 */
function resourceKey(urn: string): string {
  const { project, stack, name } = parseUrn(urn);
  return `${project}/${stack}/${name}`;
}

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

/** The `acp` provider. */
export const acpProvider: provider.Provider = {
  version: VERSION,
  schema: schemaText(),

  check: async (urn, olds: Props, news: Props) => coreFor(urn).check(olds, news),
  diff: async (id, urn, olds: Props, news: Props) => {
    // In a progress target: a diff may leave a note for the preview (a task created again).
    const result = await withProgressTarget({ urn }, () => coreFor(urn).diff(id, olds, news));
    noteDetailedDiff(result.detailedDiff);
    return result;
  },
  create: async (urn, inputs: Props) =>
    withProgressTarget({ urn }, () =>
      coreFor(urn).create(inputs, { resourceKey: resourceKey(urn) }),
    ),
  read: async (id, urn, props?: Props) => coreFor(urn).read(id, props ?? {}),
  update: async (id, urn, olds: Props, news: Props) =>
    withProgressTarget({ urn }, () => coreFor(urn).update(id, olds, news)),
  delete: async (id, urn, props: Props) =>
    withProgressTarget({ urn }, () => coreFor(urn).delete(id, props)),

  async construct(name, type, inputs, options) {
    if (type !== TYPE_TOKENS.taskGraph) {
      throw new Error(`the acp provider has no component ${type}; upgrade pulumi-acp`);
    }
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
  },
};
