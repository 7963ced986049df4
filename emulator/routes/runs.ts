import { RunCreateParams, type Run, type RunEvent } from "../../provider/client/schemas";
import { errors, parseBody } from "../errors";
import type { EmulatorState, RouteHandlers } from "../state";
import { newId, type RunRecord } from "../store";
import { charge, finishThread, newThread, type StoredThread } from "./threads";

type StoredRun = Run & { id: string };

function event(role: string, content: string, now: string, logLevel = "info"): RunEvent {
  return { id: newId("evt"), role, content, logType: "message", logLevel, createdAt: now };
}

/** The run's envelope: `{ serverId, run, thread, events }`. */
function envelope(state: EmulatorState, record: RunRecord) {
  const thread = record.run.threadId ? state.store.getThread(record.run.threadId) : undefined;
  return {
    serverId: record.serverId,
    run: record.run,
    thread: thread ?? null,
    events: record.events,
  };
}

/**
 * Completes a run: the agent answers its input, the run and its backing thread get the result.
 * Its cost was charged when the run was created.
 */
function complete(state: EmulatorState, runId: string): void {
  const record = state.store.getRun(runId);
  if (!record || record.run.status === "completed" || record.run.status === "failed") return;
  const result = state.execute("serverRun", record.run.input ?? "", state.agent());
  const now = state.now();
  const threadId = record.run.threadId;
  const thread = threadId ? state.store.getThread(threadId) : undefined;
  let threadStatus = record.run.threadStatus;
  if (thread) {
    const finished = finishThread(thread, result, record.cost ?? 0, now) as StoredThread;
    state.store.putThread(finished);
    threadStatus = finished.status ?? undefined;
  }
  const run: StoredRun = {
    ...(record.run as StoredRun),
    status: result.success ? "completed" : "failed",
    output: result.success ? result.response : "",
    completedAt: now,
    threadStatus,
  };
  if (result.error !== undefined) run.error = result.error;
  const events = [
    ...record.events,
    result.success
      ? event("assistant", result.response, now)
      : event("system", result.error ?? "", now, "error"),
  ];
  state.store.putRun({ ...record, run, events });
}

/** Ends an async run, unless async runs are held: then it stays running until released. */
function end(state: EmulatorState, runId: string): void {
  if (state.asyncRun.hold) {
    state.asyncRun.held.add(runId);
    return;
  }
  complete(state, runId);
  state.store.flush();
}

/** Ends the async runs held back while `asyncRun.hold` was true. */
export function releaseHeldRuns(state: EmulatorState): void {
  const held = [...state.asyncRun.held];
  state.asyncRun.held.clear();
  for (const runId of held) end(state, runId);
}

/** Moves a queued async run to running, then to its end, on background timers. */
function progress(state: EmulatorState, runId: string): void {
  const toRunning = () => {
    const record = state.store.getRun(runId);
    if (!record) return;
    const threadId = record.run.threadId;
    const thread = threadId ? state.store.getThread(threadId) : undefined;
    if (thread) state.store.putThread({ ...thread, status: "running" } as StoredThread);
    state.store.putRun({
      ...record,
      run: { ...record.run, status: "running", threadStatus: "running" } as StoredRun,
    });
    state.store.flush();
    state.schedule(state.asyncRun.runningMs, () => end(state, runId));
  };
  const record = state.store.getRun(runId);
  if (record?.run.status === "running") {
    state.schedule(state.asyncRun.runningMs, () => end(state, runId));
  } else state.schedule(state.asyncRun.queuedMs, toRunning);
}

/** Restarts the background progress of async runs loaded unfinished from a data file. */
export function resumeAsyncRuns(state: EmulatorState): void {
  for (const { run } of state.store.listRuns()) {
    if (run.id && (run.status === "queued" || run.status === "running")) {
      progress(state, run.id);
    }
  }
}

/** Handlers of the agent runtime run routes. */
export function runRoutes(state: EmulatorState): RouteHandlers {
  const { store } = state;
  return {
    async createRun({ params, body }) {
      const options = parseBody(RunCreateParams, body ?? {});
      const input = options.content ?? options.prompt;
      if (input === undefined) throw errors.validation("content", "content or prompt is required");
      if (state.servers && !state.servers.has(params.serverId)) {
        throw errors.notFound(`server ${params.serverId} not found`);
      }
      const agent = state.agent();
      const cost = charge(store, agent);
      const mode = options.mode ?? "sync";
      const now = state.now();
      const title = options.title ?? input.slice(0, 60);
      const thread = newThread(now, {
        title,
        task: input,
        status: mode === "sync" ? "running" : "active",
        metadata: options.metadata,
      });
      store.putThread(thread);
      const run: StoredRun = {
        id: newId("run"),
        serverId: params.serverId,
        threadId: thread.id,
        title,
        input,
        mode,
        status: mode === "sync" ? "running" : "queued",
        metadata: options.metadata ?? {},
        createdAt: now,
        sessionProtocol: "emulator",
        threadBacked: true,
        threadStatus: thread.status,
        threadTitle: title,
      };
      store.putRun({ serverId: params.serverId, run, events: [event("user", input, now)], cost });
      if (mode === "async") {
        progress(state, run.id);
        return { status: 202, body: envelope(state, store.getRun(run.id) as RunRecord) };
      }
      await state.sleep(agent.durationMs);
      complete(state, run.id);
      return { status: 201, body: envelope(state, store.getRun(run.id) as RunRecord) };
    },

    retrieveRun({ params }) {
      const record = store.getRun(params.runId);
      if (!record || record.serverId !== params.serverId) {
        throw errors.notFound(`run ${params.runId} not found on server ${params.serverId}`);
      }
      return { status: 200, body: envelope(state, record) };
    },
  };
}
