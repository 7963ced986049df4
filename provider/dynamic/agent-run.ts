import * as pulumi from "@pulumi/pulumi";
import { RUN_OUTPUT_FIELDS } from "../core";
import type { Metadata, RunEvent, RunMode, RunStatus } from "../client/schemas";
import * as agentRunProvider from "./providers/agent-run";

/** Inputs of an {@link AgentRun}. Set exactly one of `prompt` and `content`. */
export interface AgentRunArgs {
  /** The agent runtime server that executes the run. Changing it runs the agent again. */
  serverId: pulumi.Input<string>;
  /** What the agent is asked to do. Changing it runs the agent again (a new run). */
  prompt?: pulumi.Input<string>;
  /** The run's input under the API's other name: set it instead of `prompt`, never both. */
  content?: pulumi.Input<string>;
  /**
   * Title of the run. The API cannot change a run: changing the title REPLACES the run, so the
   * agent runs again. Unset: the API's choice.
   */
  title?: pulumi.Input<string>;
  /**
   * `sync` (default): the API answers when the run has ended. `async`: the API answers at once
   * and the provider polls the run until it ends. Changing it runs the agent again.
   */
  mode?: pulumi.Input<RunMode>;
  /** Free-form JSON metadata. Changing it REPLACES the run, so the agent runs again. */
  metadata?: pulumi.Input<Metadata>;
  /**
   * How long `up` waits for the run to end, in seconds. Default 600. A run still going then
   * fails the update and is recorded; the next `up` waits for it again instead of starting
   * another. Changing it runs nothing. (customTimeouts do not reach this provider.)
   */
  waitTimeoutSeconds?: pulumi.Input<number>;
  /** Pause between two reads of a run that has not ended, in seconds. Default 2. Runs nothing. */
  pollIntervalSeconds?: pulumi.Input<number>;
  /**
   * Any JSON list: a change (compared deeply) runs the agent again, e.g. `[release]` to run
   * once per release. Kept in the state only.
   */
  triggers?: pulumi.Input<unknown[]>;
}

/**
 * An agent runtime run (`pulumi-nodejs:dynamic/acp:AgentRun`): the agent runs once, during the
 * `up` that creates it, and again only when an input that replaces it changes or the run failed.
 * Its id is the run's id; import it with `<serverId>/<runId>`. Create:
 * `POST /v1/servers/{serverId}/runs` (an async run is then polled); read:
 * `GET /v1/servers/{serverId}/runs/{runId}`. The API cannot change or delete a run: delete
 * forgets it (no request; the run stays on its server).
 */
export class AgentRun extends pulumi.dynamic.Resource {
  declare public readonly serverId: pulumi.Output<string>;
  declare public readonly prompt: pulumi.Output<string | undefined>;
  declare public readonly content: pulumi.Output<string | undefined>;
  declare public readonly title: pulumi.Output<string | undefined>;
  declare public readonly mode: pulumi.Output<RunMode>;
  declare public readonly metadata: pulumi.Output<Metadata | undefined>;
  declare public readonly waitTimeoutSeconds: pulumi.Output<number>;
  declare public readonly pollIntervalSeconds: pulumi.Output<number>;
  declare public readonly triggers: pulumi.Output<unknown[] | undefined>;
  /** The run's status: queued, running, completed, failed or cancelled. */
  declare public readonly status: pulumi.Output<RunStatus>;
  /** What the agent answered. */
  declare public readonly output: pulumi.Output<string | undefined>;
  /** Why the run failed, when it did. */
  declare public readonly error: pulumi.Output<string | undefined>;
  /** The run's input as the API received it. */
  declare public readonly input: pulumi.Output<string | undefined>;
  /** The thread backing the run. */
  declare public readonly threadId: pulumi.Output<string | undefined>;
  declare public readonly threadBacked: pulumi.Output<boolean | undefined>;
  declare public readonly threadStatus: pulumi.Output<string | undefined>;
  declare public readonly threadTitle: pulumi.Output<string | undefined>;
  declare public readonly sessionProtocol: pulumi.Output<string | undefined>;
  declare public readonly createdAt: pulumi.Output<string | undefined>;
  declare public readonly completedAt: pulumi.Output<string | undefined>;
  /** The run's last 20 events, oldest first (the state keeps no more). */
  declare public readonly events: pulumi.Output<RunEvent[]>;

  constructor(name: string, args: AgentRunArgs, opts?: pulumi.CustomResourceOptions) {
    const props: Record<string, unknown> = Object.fromEntries(
      RUN_OUTPUT_FIELDS.map((n) => [n, undefined]),
    );
    Object.assign(props, args, { __acpKey: `${pulumi.getProject()}/${pulumi.getStack()}/${name}` });
    super(
      agentRunProvider as pulumi.dynamic.ResourceProvider,
      name,
      props,
      opts,
      "acp",
      "AgentRun",
    );
  }
}
