import * as pulumi from "@pulumi/pulumi";
import { THREAD_RESOURCE_OUTPUT_FIELDS } from "../core";
import type { Metadata, ThreadStatus } from "../client/schemas";
import * as threadProvider from "./providers/thread";

/** Inputs of a {@link Thread}. */
export interface ThreadArgs {
  /** Project of the thread. Unset: the API's choice. Changing it replaces the thread. */
  projectId?: pulumi.Input<string>;
  /** Computer the agent works on. Unset: the API's choice. Changing it replaces the thread. */
  environmentId?: pulumi.Input<string>;
  /** Agent of the thread. Unset: the API's choice. Changing it replaces the thread. */
  agentId?: pulumi.Input<string>;
  /** App of the thread. Changing it replaces the thread. */
  appId?: pulumi.Input<string>;
  /** Thread title; updated in place. */
  title?: pulumi.Input<string>;
  /**
   * The first message, run by the agent as the thread is created (paid work: one agent
   * execution). Unset: an empty thread, which costs nothing. Changing it replaces the thread,
   * running the new message once.
   */
  content?: pulumi.Input<string>;
  /** Legacy alias of `content`: set one or the other, not both. */
  task?: pulumi.Input<string>;
  /** Free-form JSON metadata; updated in place. */
  metadata?: pulumi.Input<Metadata>;
  /**
   * Any JSON array, kept in the state only. Changing it replaces the thread, so its first
   * message runs again exactly once; the same value is no change.
   */
  triggers?: pulumi.Input<unknown[]>;
  /** Must be false or unset: a resource cannot stream. Never sent. */
  stream?: pulumi.Input<false>;
}

/**
 * A conversation thread (`pulumi-nodejs:dynamic/acp:Thread`), whose first message, when set,
 * the agent runs as the thread is created. Its id is the thread's id. Create:
 * `POST /v1/threads`; read: `GET /v1/threads/{id}`; update (title, metadata):
 * `PATCH /v1/threads/{id}`; delete: `DELETE /v1/threads/{id}` (already gone counts as deleted).
 */
export class Thread extends pulumi.dynamic.Resource {
  declare public readonly projectId: pulumi.Output<string | undefined>;
  declare public readonly environmentId: pulumi.Output<string | undefined>;
  declare public readonly agentId: pulumi.Output<string | undefined>;
  declare public readonly appId: pulumi.Output<string | undefined>;
  declare public readonly title: pulumi.Output<string | undefined>;
  declare public readonly content: pulumi.Output<string | undefined>;
  declare public readonly task: pulumi.Output<string | undefined>;
  declare public readonly metadata: pulumi.Output<Metadata | undefined>;
  declare public readonly triggers: pulumi.Output<unknown[] | undefined>;
  declare public readonly stream: pulumi.Output<false | undefined>;
  /** The thread's lifecycle status: active, running, completed, failed or cancelled. */
  declare public readonly status: pulumi.Output<ThreadStatus>;
  /** The thread's prompt text as the API holds it (the API's `thread.task`). */
  declare public readonly prompt: pulumi.Output<string | undefined>;
  declare public readonly messageCount: pulumi.Output<number | undefined>;
  declare public readonly lastMessageAt: pulumi.Output<string | undefined>;
  declare public readonly lastMessagePreview: pulumi.Output<string | undefined>;
  declare public readonly inputTokens: pulumi.Output<number | undefined>;
  declare public readonly outputTokens: pulumi.Output<number | undefined>;
  declare public readonly totalCost: pulumi.Output<number | undefined>;
  declare public readonly environmentMinutes: pulumi.Output<number | undefined>;
  declare public readonly environmentName: pulumi.Output<string | undefined>;
  declare public readonly agentName: pulumi.Output<string | undefined>;
  declare public readonly teamExecution: pulumi.Output<Record<string, unknown> | undefined>;
  declare public readonly subagentActivity: pulumi.Output<Record<string, unknown>[] | undefined>;
  declare public readonly createdAt: pulumi.Output<string | undefined>;
  declare public readonly updatedAt: pulumi.Output<string | undefined>;

  constructor(name: string, args: ThreadArgs = {}, opts?: pulumi.CustomResourceOptions) {
    const props: Record<string, unknown> = Object.fromEntries(
      THREAD_RESOURCE_OUTPUT_FIELDS.map((n) => [n, undefined]),
    );
    Object.assign(props, args, { __acpKey: `${pulumi.getProject()}/${pulumi.getStack()}/${name}` });
    super(threadProvider as pulumi.dynamic.ResourceProvider, name, props, opts, "acp", "Thread");
  }
}
