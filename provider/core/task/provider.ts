/**
 * The Task provider core: check, diff, create, read, update and delete of one ACP task, for
 * both front doors (the dynamic resource and the `acp` plugin). Its field knowledge comes from
 * the table in ./fields.ts.
 */
import {
  AcpError,
  ConflictError,
  CONFLICT_REASONS,
  NotFoundError,
  TaskCreateParams,
  TASK_CREATE_STATUSES,
  type Task as ApiTask,
  type TaskUpdateParams,
} from "../../client";
import { acpClient } from "../settings";
import { firstDuplicate, UNKNOWN, withoutUnknowns } from "../compare";
import { checkFailures, describeError } from "../errors";
import { diffFields, fieldEqual, type FieldPolicy } from "../fields";
import { taggedMetadata, reservedMetadataFailures, taskToAdopt } from "../run-tag";
import type {
  CheckResult,
  CreateResult,
  DiffResult,
  Props,
  ReadResult,
  ResourceCore,
  UpdateResult,
} from "../types";
import { TASK_FIELDS, TASK_INPUT_FIELDS, type TaskInputField } from "./fields";
import {
  TaskCheckSchema,
  TaskInputs,
  type TaskProviderInputs,
  type TaskProviderOutputs,
} from "./inputs";
import {
  COMPUTED,
  createIdempotencyKey,
  liveInputs,
  managedFieldsOf,
  RECORDED,
  recordedOf,
  taskOutputs,
} from "./state";

export {
  createIdempotencyKey,
  TASK_INPUT_FIELDS,
  TaskInputs,
  taskOutputs,
  type TaskInputField,
  type TaskProviderInputs,
  type TaskProviderOutputs,
};

/** How long a delete waits for the tasks that depend on it to be deleted, and how often it tries. */
const DEPENDENTS_WAIT_MS = 30_000;
const DEPENDENTS_POLL_MS = 500;

/** The Task provider's implementation. */
export class TaskProviderImpl implements ResourceCore<
  TaskProviderInputs & Props,
  TaskProviderOutputs & Props
> {
  async check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult> {
    // An unknown title is still a title.
    const known = {
      ...withoutUnknowns(news),
      ...(news.title === UNKNOWN ? { title: "unknown" } : {}),
    };
    const failures = checkFailures(TaskCheckSchema.safeParse(known));
    const deps = Array.isArray(news.dependencyIds) ? (news.dependencyIds as unknown[]) : [];
    const knownDeps = deps.filter((d): d is string => typeof d === "string" && d !== UNKNOWN);
    failures.push(...reservedMetadataFailures(news.metadata));
    const duplicate = firstDuplicate(knownDeps);
    if (duplicate !== undefined) {
      failures.push({
        property: "dependencyIds",
        reason: `lists task ${duplicate} more than once: list each dependency once`,
      });
    }
    if (typeof news.adoptExistingId === "string" && knownDeps.includes(news.adoptExistingId)) {
      failures.push({
        property: "dependencyIds",
        reason: `the task ${news.adoptExistingId} cannot depend on itself: remove it from dependencyIds`,
      });
    }
    const start = news.scheduledStartAt;
    const end = news.scheduledEndAt;
    if (
      typeof start === "string" &&
      typeof end === "string" &&
      start !== UNKNOWN &&
      end !== UNKNOWN
    ) {
      const ts = Date.parse(start);
      const te = Date.parse(end);
      if (!Number.isNaN(ts) && !Number.isNaN(te) && te < ts) {
        failures.push({
          property: "scheduledEndAt",
          reason: `${end} is before scheduledStartAt ${start}: the scheduled end must not come before the start`,
        });
      }
    }
    return { inputs: news, failures };
  }

  async diff(
    id: string,
    olds: TaskProviderOutputs & Record<string, unknown>,
    news: TaskProviderInputs & Record<string, unknown>,
  ): Promise<DiffResult> {
    const { replaces, changed } = diffFields(
      TASK_FIELDS,
      olds,
      news,
      new Set(olds.managedFields ?? []),
    );
    if (Array.isArray(news.dependencyIds) && news.dependencyIds.includes(id)) {
      throw new Error(
        `dependencyIds: the task ${id} cannot depend on itself; remove ${id} from dependencyIds`,
      );
    }
    return {
      changes: replaces.length + changed.length > 0,
      replaces,
      deleteBeforeReplace: false,
    };
  }

  /**
   * Creates the task (or adopts `adoptExistingId`). `resourceKey` stands in for an `__acpKey`
   * input where the front door knows the resource's name without one (the plugin's URN).
   */
  async create(
    inputs: TaskProviderInputs,
    context: { resourceKey?: string } = {},
  ): Promise<CreateResult> {
    const client = acpClient();
    const managed = managedFieldsOf(inputs as unknown as Record<string, unknown>);
    const extra = recordedOf(inputs);
    const resourceKey = inputs.__acpKey ?? context.resourceKey;
    if (inputs.adoptExistingId) {
      return this.adopt(inputs, managed, extra);
    }
    // A task that a killed fast run created for this resource (found by the repair).
    const orphan = taskToAdopt(resourceKey);
    if (orphan) return this.adopt({ ...inputs, adoptExistingId: orphan }, managed, extra);
    const body: TaskCreateParams = { title: inputs.title };
    for (const field of managed) {
      if (field === "title") continue;
      (body as Record<string, unknown>)[field] = (inputs as unknown as Record<string, unknown>)[
        field
      ];
    }
    // The create request does not accept every status (no `in_review`): create without it,
    // then move the task there with an update.
    const lateStatus =
      inputs.status && !(TASK_CREATE_STATUSES as readonly string[]).includes(inputs.status)
        ? inputs.status
        : undefined;
    if (lateStatus) delete body.status;
    const metadata = taggedMetadata(body.metadata, resourceKey);
    if (metadata !== undefined) body.metadata = metadata;
    let task: ApiTask;
    try {
      task = await this.createOnce(body, createIdempotencyKey(resourceKey, body));
    } catch (err) {
      throw describeError(err, `creating task "${inputs.title}"`);
    }
    const taskId = task.id as string;
    if (lateStatus) {
      try {
        task = await client.tasks.update(taskId, { status: lateStatus });
      } catch (err) {
        // The task exists: record it (the engine keeps the id) rather than lose it.
        throw partialFailure(
          describeError(
            err,
            `task ${taskId} was created but could not be moved to status "${lateStatus}"`,
          ),
          taskId,
          taskOutputs(task, managed, extra),
        );
      }
    }
    return { id: taskId, outs: taskOutputs(task, managed, extra) };
  }

  /**
   * Creates the task under a key stable for this resource and these inputs, so that a create
   * whose answer was lost (even across engine runs) does not make a second task. A replayed
   * answer naming a task that has since been deleted (the same task declared again after an
   * out-of-band delete) is not trusted: the task is created anew under a fresh key.
   */
  private async createOnce(body: TaskCreateParams, key: string | undefined): Promise<ApiTask> {
    const client = acpClient();
    let replayed = false;
    const task = await client.tasks.create(body, {
      idempotencyKey: key,
      onIdempotentReplay: () => (replayed = true),
    });
    if (!replayed || key === undefined) return task;
    try {
      await client.tasks.retrieve(task.id as string);
      return task;
    } catch (err) {
      if (!NotFoundError.isInstance(err)) throw err;
      return client.tasks.create(body, { idempotencyKey: `${key}-${Date.now().toString(36)}` });
    }
  }

  private async adopt(
    inputs: TaskProviderInputs,
    managed: string[],
    extra: Record<string, unknown>,
  ): Promise<CreateResult> {
    const client = acpClient();
    const taskId = inputs.adoptExistingId as string;
    let task: ApiTask;
    try {
      task = await client.tasks.retrieve(taskId);
    } catch (err) {
      if (NotFoundError.isInstance(err)) {
        throw new Error(
          `adoptExistingId: there is no task ${taskId} to adopt; check the id, or remove adoptExistingId to create a new task`,
        );
      }
      throw describeError(err, `reading task ${taskId} to adopt it`);
    }
    const patch = patchFor(managed, inputs as unknown as Record<string, unknown>, task, new Set());
    if (Object.keys(patch).length > 0) {
      try {
        task = await client.tasks.update(taskId, patch);
      } catch (err) {
        throw describeError(err, `updating adopted task ${taskId} to match the program`);
      }
    }
    return { id: taskId, outs: taskOutputs(task, managed, extra) };
  }

  async read(id: string, props: Record<string, unknown> = {}): Promise<ReadResult> {
    let task: ApiTask;
    try {
      task = await acpClient().tasks.retrieve(id);
    } catch (err) {
      // Deleted out of band: an empty id drops it from the state, and the next up recreates it.
      if (NotFoundError.isInstance(err)) return { id: "" };
      throw describeError(err, `reading task ${id}`);
    }
    const managed = Array.isArray(props.managedFields) ? (props.managedFields as string[]) : [];
    const extra = recordedOf(props);
    return {
      id,
      props: taskOutputs(task, managed, extra),
      inputs: liveInputs(task, managed, props),
    };
  }

  async update(
    id: string,
    olds: TaskProviderOutputs & Record<string, unknown>,
    news: TaskProviderInputs & Record<string, unknown>,
  ): Promise<UpdateResult> {
    const managed = managedFieldsOf(news);
    const extra = recordedOf(news);
    const patch = patchFor(managed, news, olds as ApiTask, new Set(olds.managedFields ?? []));
    if (Object.keys(patch).length === 0) {
      // Nothing to send: the task is as recorded, less what the state alone holds.
      const task = Object.fromEntries(
        Object.entries(olds).filter(([f]) => !RECORDED.includes(f) && !COMPUTED.includes(f)),
      );
      return { outs: taskOutputs(task as ApiTask, managed, extra) };
    }
    let task: ApiTask;
    try {
      task = await acpClient().tasks.update(id, patch);
    } catch (err) {
      throw describeError(err, `updating task ${id} (${Object.keys(patch).join(", ")})`);
    }
    return { outs: taskOutputs(task, managed, extra) };
  }

  async delete(id: string): Promise<void> {
    const deadline = Date.now() + DEPENDENTS_WAIT_MS;
    for (;;) {
      try {
        await acpClient().tasks.delete(id);
        return;
      } catch (err) {
        if (NotFoundError.isInstance(err)) return; // already gone: the goal of a delete
        if (!ConflictError.isInstance(err) || err.reason !== CONFLICT_REASONS.hasDependents) {
          throw describeError(err, `deleting task ${id}`);
        }
        // Dependencies given as plain ids hide the order from the engine, which may delete a
        // task and its dependents at the same time: give the dependents a moment to go first.
        if (Date.now() + DEPENDENTS_POLL_MS <= deadline) {
          await new Promise((resolve) => setTimeout(resolve, DEPENDENTS_POLL_MS));
          continue;
        }
        throw new Error(
          `task ${id} cannot be deleted while other tasks depend on it: remove it from their dependencyIds first (${(err as AcpError).message})`,
        );
      }
    }
  }
}

/** The update that makes the server's task match the program's managed fields. */
function patchFor(
  managed: readonly string[],
  news: Record<string, unknown>,
  current: ApiTask,
  previouslyManaged: ReadonlySet<string>,
): TaskUpdateParams {
  const patch: Record<string, unknown> = {};
  const live = current as Record<string, unknown>;
  const policies: Record<string, FieldPolicy> = TASK_FIELDS;
  for (const field of managed) {
    const policy = policies[field];
    // A field that does not update in place (the project) replaces the task instead (see diff).
    if (policy.inPlace && !fieldEqual(policy, news[field], live[field])) patch[field] = news[field];
  }
  for (const field of previouslyManaged) {
    const policy = policies[field];
    if (!managed.includes(field) && policy?.clearable && live[field] != null) {
      patch[field] = policy.clearWith ?? null;
    }
  }
  return patch as TaskUpdateParams;
}

/** An error that tells the engine the task exists although the operation failed. */
function partialFailure(err: Error, id: string, properties: object): Error {
  return Object.assign(err, { id, properties, reasons: [err.message] });
}
