/**
 * The dynamic door's resource class of every kind in the registry (core/kinds.ts) that the door
 * serves (all but the plugin-only kinds). A kind without a class here does not compile.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { DynamicKind } from "../core";
import { AgentRun } from "./agent-run";
import { Task } from "./task";
import { TaskThread } from "./task-thread";
import { Thread } from "./thread";

/** A dynamic resource class: `new Kind(name, args, opts)`. */
export type DynamicResourceClass = new (
  name: string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each kind has its own args
  args: any,
  opts?: pulumi.CustomResourceOptions,
) => pulumi.dynamic.Resource;

/** Each kind's dynamic resource class. */
export const DYNAMIC_RESOURCES = {
  task: Task,
  taskThread: TaskThread,
  thread: Thread,
  agentRun: AgentRun,
} as const satisfies Record<DynamicKind, DynamicResourceClass>;
