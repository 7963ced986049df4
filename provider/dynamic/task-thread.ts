import * as pulumi from "@pulumi/pulumi";
import { RESOURCE_KINDS } from "../core";
import { TaskThreadOutputs, type TaskThreadArgs } from "./generated/task-thread";
import * as taskThreadProvider from "./providers/task-thread";
import { quietRegistration, registeredProps } from "./registration";

export type { TaskThreadArgs };

/**
 * A thread in which an agent works on a task (`pulumi-nodejs:dynamic/acp:TaskThread`). Its id
 * is the thread's id. Create: `POST /v1/tasks/{taskId}/start-thread` or `.../run-thread`;
 * read: `GET /v1/threads/{id}`; update (title, metadata): `PATCH /v1/threads/{id}`;
 * delete: `DELETE /v1/threads/{id}`.
 */
export class TaskThread extends TaskThreadOutputs {
  constructor(name: string, args: TaskThreadArgs, opts?: pulumi.CustomResourceOptions) {
    const kind = RESOURCE_KINDS.taskThread;
    const provider = taskThreadProvider as pulumi.dynamic.ResourceProvider;
    const quiet = quietRegistration();
    try {
      super(provider, name, registeredProps(kind, name, args), opts, "acp", kind.name);
    } catch (err) {
      throw quiet.failed(err, TaskThread);
    } finally {
      quiet.restore();
    }
  }
}
