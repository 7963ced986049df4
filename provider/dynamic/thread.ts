import * as pulumi from "@pulumi/pulumi";
import { RESOURCE_KINDS } from "../core";
import { ThreadOutputs, type ThreadArgs } from "./generated/thread";
import * as threadProvider from "./providers/thread";
import { quietRegistration, registeredProps } from "./registration";

export type { ThreadArgs };

/**
 * A conversation thread (`pulumi-nodejs:dynamic/acp:Thread`), whose first message, when set,
 * the agent runs as the thread is created. Its id is the thread's id. Create:
 * `POST /v1/threads`; read: `GET /v1/threads/{id}`; update (title, metadata):
 * `PATCH /v1/threads/{id}`; delete: `DELETE /v1/threads/{id}` (already gone counts as deleted).
 */
export class Thread extends ThreadOutputs {
  constructor(name: string, args: ThreadArgs = {}, opts?: pulumi.CustomResourceOptions) {
    const kind = RESOURCE_KINDS.thread;
    const provider = threadProvider as pulumi.dynamic.ResourceProvider;
    const quiet = quietRegistration();
    try {
      super(provider, name, registeredProps(kind, name, args), opts, "acp", kind.name);
    } catch (err) {
      throw quiet.failed(err, Thread);
    } finally {
      quiet.restore();
    }
  }
}
