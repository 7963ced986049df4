import * as pulumi from "@pulumi/pulumi";
import { RESOURCE_KINDS } from "../core";
import { AgentRunOutputs, type AgentRunArgs } from "./generated/agent-run";
import * as agentRunProvider from "./providers/agent-run";
import { quietRegistration, registeredProps } from "./registration";

export type { AgentRunArgs };

/**
 * An agent runtime run (`pulumi-nodejs:dynamic/acp:AgentRun`): the agent runs once, during the
 * `up` that creates it, and again only when an input that replaces it changes or the run failed.
 * Its id is the run's id; import it with `<serverId>/<runId>`. Create:
 * `POST /v1/servers/{serverId}/runs` (an async run is then polled); read:
 * `GET /v1/servers/{serverId}/runs/{runId}`. The API cannot change or delete a run: delete
 * forgets it (no request; the run stays on its server).
 */
export class AgentRun extends AgentRunOutputs {
  constructor(name: string, args: AgentRunArgs, opts?: pulumi.CustomResourceOptions) {
    const kind = RESOURCE_KINDS.agentRun;
    const provider = agentRunProvider as pulumi.dynamic.ResourceProvider;
    const quiet = quietRegistration();
    try {
      super(provider, name, registeredProps(kind, name, args), opts, "acp", kind.name);
    } catch (err) {
      throw quiet.failed(err, AgentRun);
    } finally {
      quiet.restore();
    }
  }
}
