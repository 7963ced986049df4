import * as pulumi from "@pulumi/pulumi";
import { RESOURCE_KINDS } from "../core";
import { TaskOutputs, type TaskArgs } from "./generated/task";
import * as taskProvider from "./providers/task";
import { quietRegistration, registeredProps } from "./registration";

export type { TaskArgs };

/**
 * An ACP task (`pulumi-nodejs:dynamic/acp:Task`). Its id is the task's id.
 *
 * Create: `POST /v1/tasks`; read: `GET /v1/tasks/{id}`; update: `PATCH /v1/tasks/{id}` with
 * only what changed; delete: `DELETE /v1/tasks/{id}` (a task already gone counts as deleted).
 */
export class Task extends TaskOutputs {
  constructor(name: string, args: TaskArgs, opts?: pulumi.CustomResourceOptions) {
    const kind = RESOURCE_KINDS.task;
    const provider = taskProvider as pulumi.dynamic.ResourceProvider;
    const quiet = quietRegistration();
    try {
      super(provider, name, registeredProps(kind, name, args), opts, "acp", kind.name);
    } catch (err) {
      throw quiet.failed(err, Task);
    } finally {
      quiet.restore();
    }
  }

  /**
   * A read-only reference to an existing task: `Task.get("name", "task_123")`. Refreshed from
   * the API; never created, updated or deleted by this program.
   */
  static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): Task {
    return new Task(name, undefined as unknown as TaskArgs, { ...opts, id });
  }
}
