/**
 * Programs that use the `acp` provider plugin from Node.js, as any Pulumi language does: by type
 * token (`acp:index:Task`), with no generated SDK.
 */
import * as pulumi from "@pulumi/pulumi";
import type { TaskGraphArgs } from "pulumi-acp";
import { taskGraph, type TaskSpec } from "./programs";

/** A resource of the plugin by type token: inputs as given, outputs read by name. */
export class PluginResource extends pulumi.CustomResource {
  constructor(
    type: "acp:index:Task" | "acp:index:TaskThread" | "acp:index:Thread" | "acp:index:AgentRun",
    name: string,
    args: Record<string, unknown>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(type, name, args, opts);
  }
}

/** An explicit `pulumi:providers:acp`: one ACP account, configured by its args. */
export class AcpProvider extends pulumi.ProviderResource {
  constructor(name: string, args: Record<string, pulumi.Input<unknown>>) {
    super("acp", name, args);
  }
}

/** The plugin's TaskGraph component, constructed by the plugin (a remote component). */
export class PluginTaskGraph extends pulumi.ComponentResource {
  declare readonly taskIds: pulumi.Output<Record<string, string>>;
  declare readonly threadIds: pulumi.Output<Record<string, string>>;
  declare readonly mermaid: pulumi.Output<string>;

  constructor(name: string, args: TaskGraphArgs, opts?: pulumi.ComponentResourceOptions) {
    super(
      "acp:index:TaskGraph",
      name,
      { ...args, taskIds: undefined, threadIds: undefined, mermaid: undefined },
      opts,
      true, // remote: the plugin's construct declares the graph
    );
  }
}

/** programs.ts's taskGraph with the plugin's Task. */
export function pluginTaskGraph(
  specs: Record<string, TaskSpec>,
  opts: Record<string, pulumi.CustomResourceOptions> = {},
): () => Promise<Record<string, unknown>> {
  return taskGraph(
    specs,
    opts,
    (name, args, o) => new PluginResource("acp:index:Task", name, { ...args }, o),
  );
}
