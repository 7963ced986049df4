import {
  CONFLICT_REASONS,
  RunThreadParams,
  StartThreadParams,
  ThreadCreateParams,
  ThreadUpdateParams,
  type Task,
  type Thread,
} from "../../provider/client/schemas";
import type { AgentResult, ResolvedAgent } from "../agent";
import { errors, parseBody } from "../errors";
import type { EmulatorState, RouteHandlers } from "../state";
import { newId, type Store } from "../store";
import { storedMetadata } from "../variants";
import { assertUnblocked, requireTask, type StoredTaskObject } from "./tasks";
import { EMULATOR_USER_ID } from "../state";

/** A stored thread: always has an id. */
export type StoredThread = Thread & { id: string };

/** A new thread with the API's zero values. */
export function newThread(now: string, fields: Partial<Thread>): StoredThread {
  const thread: StoredThread = {
    id: newId("thr"),
    status: "active",
    messageCount: 0,
    inputTokens: 0,
    outputTokens: 0,
    totalCost: 0,
    environmentMinutes: 0,
    metadata: {},
    createdAt: now,
    updatedAt: now,
  };
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) thread[key] = value;
  return thread;
}

/**
 * Charges one agent run to the budget, or answers 402 changing nothing. Called before any
 * change, without an await in between, so concurrent runs cannot overspend.
 */
export function charge(store: Store, agent: ResolvedAgent): number {
  if (store.budget < agent.costPerRun) {
    throw errors.insufficientBudget(store.budget, agent.costPerRun);
  }
  // Rounded to micro-dollars so repeated 0.05 charges do not drift in float arithmetic.
  store.budget = Math.round((store.budget - agent.costPerRun) * 1e6) / 1e6;
  return agent.costPerRun;
}

/** The thread after the agent's run: status, messages, tokens and cost. */
export function finishThread(
  thread: Thread,
  result: AgentResult,
  cost: number,
  now: string,
): Thread {
  return {
    ...thread,
    status: result.success ? "completed" : "failed",
    messageCount: 2,
    lastMessageAt: now,
    lastMessagePreview: (result.success ? result.response : (result.error ?? "")).slice(0, 120),
    inputTokens: result.inputTokens,
    outputTokens: result.outputTokens,
    totalCost: cost,
    updatedAt: now,
  };
}

/** Links a new thread to a task (and moves it to in_progress when asked). */
function linkThread(
  task: StoredTaskObject,
  threadId: string,
  moveToInProgress: boolean,
  now: string,
) {
  return {
    ...task,
    linkedThreadIds: [...(task.linkedThreadIds ?? []), threadId],
    lastStartedThreadId: threadId,
    ...(moveToInProgress ? { status: "in_progress" as const } : {}),
    updatedAt: now,
  };
}

/** Handlers of start-thread, run-thread and the thread routes. */
export function threadRoutes(state: EmulatorState): RouteHandlers {
  const { store, variant } = state;

  function requireThread(id: string): StoredThread {
    const thread = store.getThread(id);
    if (!thread) throw errors.notFound(`thread ${id} not found`);
    return thread as StoredThread;
  }

  return {
    startThread({ params, body }) {
      const options = parseBody(StartThreadParams, body ?? {});
      const task = requireTask(store, params.taskId);
      assertUnblocked(store, task);
      const linked = task.linkedThreadIds ?? [];
      if (linked.length > 0) {
        const threadId = task.lastStartedThreadId ?? linked[linked.length - 1];
        throw errors.conflict(
          CONFLICT_REASONS.alreadyStarted,
          `task ${task.id} already has a thread: ${threadId}`,
          { threadId },
        );
      }
      const now = state.now();
      const thread = newThread(now, {
        projectId: task.projectId ?? undefined,
        environmentId: options.environmentId,
        agentId: options.agentId ?? task.assigneeAgentId ?? undefined,
        title: task.title ?? undefined,
        task: task.description ?? task.title ?? undefined,
        metadata: storedMetadata(variant, options.metadata),
      });
      const next = linkThread(task, thread.id, options.moveToInProgress === true, now);
      store.putThread(thread);
      store.putTask(next);
      return { status: 201, body: { thread, task: next } };
    },

    async runThread({ params, body }) {
      const options = parseBody(RunThreadParams, body ?? {});
      const task = requireTask(store, params.taskId);
      assertUnblocked(store, task);
      const agent = state.agent();
      const cost = charge(store, agent);
      const prompt = options.message ?? options.content ?? options.task ?? taskPrompt(task);
      const started = state.now();
      const thread = newThread(started, {
        projectId: task.projectId ?? undefined,
        environmentId: options.environmentId,
        agentId: options.agentId ?? task.assigneeAgentId ?? undefined,
        title: task.title ?? undefined,
        task: prompt,
        status: "running",
        metadata: storedMetadata(variant, options.metadata),
      });
      store.putThread(thread);
      store.putTask(linkThread(task, thread.id, options.moveToInProgress === true, started));

      await state.sleep(agent.durationMs);
      const result = state.execute("runThread", prompt, agent);
      const now = state.now();
      const finished = finishThread(store.getThread(thread.id) ?? thread, result, cost, now);
      if (store.getThread(thread.id)) store.putThread(finished as StoredThread);
      const subtasks = result.subtaskTitles.map((title, index) => {
        const subtask: StoredTaskObject = {
          id: newId("task"),
          userId: EMULATOR_USER_ID,
          title,
          status: "backlog",
          priority: task.priority ?? "medium",
          type: "subtask",
          parentTaskId: task.id,
          projectId: task.projectId ?? undefined,
          sprintId: task.sprintId ?? undefined,
          dependencyIds: [],
          linkedThreadIds: [],
          metadata: {},
          sortOrder: index,
          reviewRequired: false,
          createdAt: now,
          updatedAt: now,
        };
        for (const key of Object.keys(subtask)) if (subtask[key] === undefined) delete subtask[key];
        store.putTask(subtask);
        return subtask;
      });
      return {
        status: 201,
        body: {
          thread: finished,
          task: store.getTask(task.id) ?? task,
          subtasks,
          execution: {
            success: result.success,
            response: result.response,
            actions: result.actions,
            durationMs: agent.durationMs,
            usage: { inputTokens: result.inputTokens, outputTokens: result.outputTokens },
            ...(result.error !== undefined ? { error: result.error } : {}),
          },
        },
      };
    },

    async createThread({ body }) {
      const options = parseBody(ThreadCreateParams, body ?? {});
      const content = options.content ?? options.task;
      const now = state.now();
      const fields: Partial<Thread> = {
        projectId: options.projectId,
        environmentId: options.environmentId,
        agentId: options.agentId,
        appId: options.appId,
        title: options.title ?? (content === undefined ? "New thread" : content.slice(0, 60)),
        task: content,
        metadata: storedMetadata(variant, options.metadata),
      };
      if (content === undefined) {
        const thread = newThread(now, fields);
        store.putThread(thread);
        return { status: 201, body: { thread } };
      }
      const agent = state.agent();
      const cost = charge(store, agent);
      const thread = newThread(now, { ...fields, status: "running" });
      store.putThread(thread);
      await state.sleep(agent.durationMs);
      const finished = finishThread(
        store.getThread(thread.id) ?? thread,
        state.execute("threadContent", content, agent),
        cost,
        state.now(),
      );
      if (store.getThread(thread.id)) store.putThread(finished as StoredThread);
      return { status: 201, body: { thread: finished } };
    },

    retrieveThread({ params }) {
      return { status: 200, body: { thread: requireThread(params.threadId) } };
    },

    updateThread({ params, body }) {
      const patch = parseBody(ThreadUpdateParams, body ?? {});
      const thread = requireThread(params.threadId);
      const next: StoredThread = { ...thread, updatedAt: state.now() };
      if (patch.title !== undefined) next.title = patch.title;
      if (patch.metadata !== undefined)
        next.metadata = storedMetadata(variant, patch.metadata ?? {});
      store.putThread(next);
      return { status: 200, body: { thread: next } };
    },

    deleteThread({ params }) {
      const thread = requireThread(params.threadId);
      store.deleteThread(thread.id);
      // A deleted thread is no longer linked: start-thread can start the task again.
      for (const { task } of store.listTasks()) {
        const linked = task.linkedThreadIds ?? [];
        if (!linked.includes(thread.id) && task.lastStartedThreadId !== thread.id) continue;
        const next: Record<string, unknown> = {
          ...task,
          linkedThreadIds: linked.filter((id) => id !== thread.id),
          updatedAt: state.now(),
        };
        if (task.lastStartedThreadId === thread.id) delete next.lastStartedThreadId;
        store.putTask(next as StoredTaskObject);
      }
      return variant.deleteStatus === 200
        ? { status: 200, body: { deleted: true, id: thread.id } }
        : { status: 204 };
    },
  };
}

/** The task's own text: its description, else its title. */
function taskPrompt(task: Task): string {
  return task.description ?? task.title ?? "";
}
