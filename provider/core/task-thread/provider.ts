/**
 * The TaskThread provider core: a thread in which an agent works on a task, started with
 * start-thread (the task's first thread) or run-thread (a new thread whose prompt runs
 * synchronously), for both front doors. Its field knowledge comes from the table in ./fields.ts.
 */
import { NotFoundError, type Execution, type Thread } from "../../client";
import { acpClient } from "../settings";
import { containsUnknown, withoutUnknowns } from "../compare";
import { checkFailures, describeError } from "../errors";
import { diffFields, recordedInputs } from "../fields";
import {
  PENDING_WORK_KEY,
  reservedMetadataFailures,
  taskToAdopt,
  withoutPendingWork,
} from "../run-tag";
import type {
  CheckResult,
  CreateResult,
  DiffResult,
  Props,
  ReadResult,
  ResourceCore,
  UpdateResult,
} from "../types";
import { deleteThread, inPlaceChanges, liveInputs, patchThread } from "../thread-api";
import { splitImportId } from "../import-id";
import { createThread } from "./create";
import {
  DEFAULT_POLL_INTERVAL_SECONDS,
  DEFAULT_WAIT_TIMEOUT_SECONDS,
  ON_BLOCKED,
  TASK_THREAD_FIELDS,
  THREAD_MODES,
  type OnBlocked,
  type ThreadMode,
} from "./fields";
import {
  TaskThreadCheckSchema,
  TaskThreadInputs,
  ThreadSettings,
  type TaskThreadProviderInputs,
} from "./inputs";
import { keepCallResults, threadOutputs } from "./outputs";

export { TaskThreadInputs, ThreadSettings, type TaskThreadProviderInputs };
export {
  DEFAULT_POLL_INTERVAL_SECONDS,
  DEFAULT_WAIT_TIMEOUT_SECONDS,
  ON_BLOCKED,
  THREAD_MODES,
  type OnBlocked,
  type ThreadMode,
};

/** The TaskThread provider's implementation. */
export class TaskThreadProviderImpl implements ResourceCore<
  TaskThreadProviderInputs & Props,
  Props
> {
  async check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult> {
    return {
      inputs: news,
      failures: [
        ...checkFailures(
          TaskThreadCheckSchema.safeParse({
            ...withoutUnknowns(news),
            // A task id not known yet is still a task id.
            ...(containsUnknown(news.taskId) ? { taskId: "unknown" } : {}),
          }),
        ),
        ...reservedMetadataFailures(news.metadata),
      ],
    };
  }

  async diff(
    _id: string,
    olds: Record<string, unknown>,
    news: TaskThreadProviderInputs & Record<string, unknown>,
  ): Promise<DiffResult> {
    // An imported thread has no record of how it was made (its mode and prompt): it takes the
    // program's, instead of being replaced for them.
    const recorded = olds.mode === undefined ? { ...olds, ...importedSettings(news) } : olds;
    const { replaces, changed } = diffFields(TASK_THREAD_FIELDS, recorded, news);
    // A run whose agent failed is run again by the next update.
    const execution = olds.execution as Execution | undefined;
    if (execution && execution.success === false && !replaces.includes("message"))
      replaces.push("message");
    // A task has one start-thread: the old thread must go before a new one can be started.
    const startMode = (olds.mode ?? "start") === "start" || (news.mode ?? "start") === "start";
    return {
      changes: replaces.length + changed.length > 0,
      replaces,
      deleteBeforeReplace: replaces.length > 0 && startMode,
    };
  }

  /**
   * Starts or runs the thread. `resourceKey` stands in for an `__acpKey` input where the front
   * door knows the resource's name without one (the plugin's URN).
   */
  async create(
    inputs: TaskThreadProviderInputs,
    context: { resourceKey?: string } = {},
  ): Promise<CreateResult> {
    const resourceKey = inputs.__acpKey ?? context.resourceKey;
    // A thread that a killed fast run made for this resource (found by the repair): adopted,
    // never started or run again.
    const orphan = taskToAdopt(resourceKey);
    if (orphan) {
      const found = await this.read(orphan, inputs as unknown as Record<string, unknown>);
      if (found.id) return { id: orphan, outs: await this.converged(orphan, found.props, inputs) };
    }
    return createThread(inputs, resourceKey);
  }

  /**
   * Reads the thread. With no recorded state (an import), `id` is `<taskId>/<threadId>`: a
   * thread alone does not name its task, and the task is a TaskThread's required input.
   */
  async read(id: string, props: Record<string, unknown> = {}): Promise<ReadResult> {
    let threadId = id;
    let recorded = props;
    if (props.taskId === undefined) {
      const [taskId, child] = splitImportId(id, {
        resource: "a TaskThread",
        form: "<taskId>/<threadId>",
        give: "the task's id and the thread's id",
        example: "task_123/thr_456",
      });
      [recorded, threadId] = [{ taskId }, child];
    }
    let thread: Thread;
    try {
      thread = await acpClient().threads.retrieve(threadId);
    } catch (err) {
      if (NotFoundError.isInstance(err)) return { id: "" };
      throw describeError(err, `reading thread ${threadId}`);
    }
    const inputs = pickInputs(recorded);
    const outs = threadOutputs(thread, inputs as TaskThreadProviderInputs, {});
    // An imported thread's mode is unknown (see diff): none is recorded.
    if (recorded.mode === undefined) delete outs.mode;
    keepCallResults(outs, recorded);
    // outs hold the thread's metadata without a fast run's tag.
    return { id: threadId, props: outs, inputs: liveInputs(TASK_THREAD_FIELDS, inputs, outs) };
  }

  async update(
    id: string,
    olds: Record<string, unknown>,
    news: TaskThreadProviderInputs & Record<string, unknown>,
  ): Promise<UpdateResult> {
    const patch = inPlaceChanges(TASK_THREAD_FIELDS, olds, news);
    const thread = await patchThread(id, patch, async (thread) => {
      // A run whose create could not take its pending mark off (see create) loses it now.
      const metadata = thread.metadata;
      if (metadata && typeof metadata === "object" && PENDING_WORK_KEY in metadata)
        return acpClient().threads.update(id, { metadata: withoutPendingWork(metadata) });
      return thread;
    });
    const outs = threadOutputs(thread, news, {});
    keepCallResults(outs, olds);
    return { outs };
  }

  async delete(id: string): Promise<void> {
    await deleteThread(id);
  }

  /**
   * An adopted thread's outputs once it has the declared title and metadata: the killed run
   * that started it may have stopped before it set them, as its create goes on to do.
   */
  private async converged(
    id: string,
    found: Record<string, unknown> = {},
    inputs: TaskThreadProviderInputs,
  ): Promise<Record<string, unknown>> {
    const news = inputs as TaskThreadProviderInputs & Record<string, unknown>;
    if (Object.keys(inPlaceChanges(TASK_THREAD_FIELDS, found, news)).length === 0) return found;
    return (await this.update(id, found, news)).outs;
  }
}

/** How an imported thread was made, taken from the program (see diff). */
function importedSettings(news: Record<string, unknown>): Record<string, unknown> {
  return { mode: news.mode ?? TASK_THREAD_FIELDS.mode.default, message: news.message };
}

/** The recorded inputs among a resource's outputs. */
function pickInputs(props: Record<string, unknown>): Partial<TaskThreadProviderInputs> {
  return recordedInputs(TASK_THREAD_FIELDS, props) as Partial<TaskThreadProviderInputs>;
}
