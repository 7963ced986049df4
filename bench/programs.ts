/**
 * The benchmark's inline programs: the same graph as pulumi-acp's dynamic Tasks, as the `acp`
 * plugin's Tasks, or as floor tasks.
 */
import * as pulumi from "@pulumi/pulumi";
import { Task, TASK_OUTPUT_FIELDS } from "pulumi-acp";
import { quietRegistration } from "../provider/dynamic/registration";
import type { GraphNode } from "./graph";

/** Which provider a program's tasks use: the dynamic resources, the plugin, or the floor. */
export type ProviderKind = "acp" | "plugin" | "floor";

// The outputs pulumi-acp's Task seeds, so both programs send the engine property bags of the
// same shape.
const OUTPUT_NAMES = TASK_OUTPUT_FIELDS;

interface FloorArgs {
  title: string;
  description: string;
  priority: string;
  dependencyIds: pulumi.Input<string>[];
}

/**
 * A task of the engine floor: same inputs and outputs, provider without network. It registers
 * as pulumi-acp's dynamic resources do (`quietRegistration`: no stack traces for the SDK's own
 * promises), so that the floor is what the engine and SDK cost, not more.
 */
class FloorTask extends pulumi.dynamic.Resource {
  constructor(name: string, args: FloorArgs) {
    const props: Record<string, unknown> = Object.fromEntries(
      OUTPUT_NAMES.map((n) => [n, undefined]),
    );
    Object.assign(props, args, { __acpKey: `${pulumi.getProject()}/${pulumi.getStack()}/${name}` });
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- installed by run.ts at start
    const provider = require("acp-bench-floor") as pulumi.dynamic.ResourceProvider;
    const quiet = quietRegistration();
    try {
      super(provider, name, props, undefined, "bench", "FloorTask");
    } finally {
      quiet.restore();
    }
  }
}

/** A task of the `acp` provider plugin, by type token (registered as the floor's are). */
class PluginTask extends pulumi.CustomResource {
  constructor(name: string, args: FloorArgs) {
    const quiet = quietRegistration();
    try {
      super("acp:index:Task", name, { ...args });
    } finally {
      quiet.restore();
    }
  }
}

/**
 * The inline program that declares every task of `graph` with the provider `kind`; the tasks
 * whose keys are in `edited` get another title (an edit: one update each).
 */
export function graphProgram(
  kind: ProviderKind,
  graph: GraphNode[],
  edited: ReadonlySet<string> = new Set(),
): () => Promise<void> {
  return async () => {
    const ids = new Map<string, pulumi.Output<string>>();
    for (const node of graph) {
      const args = {
        title: `Benchmark task ${node.key}${edited.has(node.key) ? " (edited)" : ""}`,
        description: `Task ${node.key} of the benchmark graph; depends on ${node.deps.join(", ") || "nothing"}.`,
        priority: "medium" as const,
        dependencyIds: node.deps.map((d) => ids.get(d) as pulumi.Output<string>),
      };
      const resource =
        kind === "acp"
          ? new Task(node.key, args)
          : kind === "plugin"
            ? new PluginTask(node.key, args)
            : new FloorTask(node.key, args);
      ids.set(node.key, resource.id);
    }
  };
}
