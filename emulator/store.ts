import { randomBytes } from "node:crypto";
import { openJournalFile, type GenerationTagged } from "./journal";
import type { Run, RunEvent, Task, Thread } from "../provider/client/schemas";

/** A run and what the emulator keeps beside it. */
export interface RunRecord {
  serverId: string;
  run: Run;
  events: RunEvent[];
  /** USD charged when the run was created; its thread's totalCost when it ends. */
  cost?: number;
}

/** A stored answer to a POST with an Idempotency-Key. */
export interface IdempotentResponse {
  /** Canonical JSON of the first request's body: a reused key with another body is refused. */
  fingerprint: string;
  status: number;
  body: unknown;
}

/** A deep copy of the emulator's state, as `snapshot()` and `GET /__emulator/store` give it. */
export interface StoreSnapshot {
  tasks: Task[];
  threads: Thread[];
  runs: Run[];
  /** Account budget in USD. */
  budget: number;
}

/** A task and its creation sequence number (the list order and the cursor's anchor). */
export interface StoredTask {
  seq: number;
  task: Task;
}

/**
 * The emulator's storage. Every read returns the stored object: callers build a new object and
 * `put` it rather than mutate. Methods are synchronous, so a request validates and mutates
 * without yielding to another one in between.
 */
export interface Store {
  /** Account budget in USD. */
  budget: number;
  getTask(id: string): Task | undefined;
  /** Every task in creation order. */
  listTasks(): StoredTask[];
  /** Inserts or replaces (a replaced task keeps its place in the list). */
  putTask(task: Task & { id: string }): void;
  deleteTask(id: string): boolean;
  getThread(id: string): Thread | undefined;
  listThreads(): Thread[];
  putThread(thread: Thread & { id: string }): void;
  deleteThread(id: string): boolean;
  getRun(id: string): RunRecord | undefined;
  listRuns(): RunRecord[];
  putRun(record: RunRecord & { run: { id: string } }): void;
  getIdempotent(key: string): IdempotentResponse | undefined;
  putIdempotent(key: string, response: IdempotentResponse): void;
  /** Empties the store and sets the budget. */
  clear(budget: number): void;
  snapshot(): StoreSnapshot;
  /**
   * Persists the changes since the last flush when the store has a data file: one synchronous
   * append to its journal (see {@link openJournalFile}), or a compaction when one is due.
   */
  flush(): void;
  /** Flushes, then compacts the journal into the data file. The store stays usable. */
  close(): void;
}

interface PersistedData extends GenerationTagged {
  version: 1;
  budget: number;
  nextSeq: number;
  tasks: StoredTask[];
  threads: Thread[];
  runs: RunRecord[];
  idempotency: Record<string, IdempotentResponse>;
}

/**
 * One change as the journal records it: each carries the whole new value, so replaying a change
 * sets what it set, whatever came before.
 */
type StoreChange =
  | { op: "task"; seq: number; nextSeq: number; task: Task & { id: string } }
  | { op: "deleteTask"; id: string }
  | { op: "thread"; thread: Thread & { id: string } }
  | { op: "deleteThread"; id: string }
  | { op: "run"; record: RunRecord & { run: { id: string } } }
  | { op: "idempotent"; key: string; response: IdempotentResponse }
  | { op: "budget"; budget: number };

/** Options of {@link createStore}. */
export interface StoreOptions {
  /** Budget in USD of a new store (ignored when the data file exists: its budget wins). */
  budget: number;
  /**
   * JSON file to load on start, with its journal `FILE.journal` beside it; each flush appends
   * the changes to the journal, and `close()` compacts them into the file.
   */
  dataFile?: string;
  /**
   * A flush compacts instead of appending once the journal holds more than this many bytes, or
   * twice the data file's size if that is more (so compaction costs O(1) per byte journaled).
   * Default 8 MiB.
   */
  journalLimitBytes?: number;
}

/** Default of {@link StoreOptions.journalLimitBytes}: 8 MiB. */
export const JOURNAL_LIMIT_BYTES = 8 * 1024 * 1024;

/** A new server-assigned id, such as `task_3f9c0a1b2c4d5e6f7a8b`. */
export function newId(prefix: "task" | "thr" | "run" | "evt"): string {
  return `${prefix}_${randomBytes(10).toString("hex")}`;
}

/** An in-memory store, loaded from and persisted to `dataFile` when one is given. */
export function createStore(options: StoreOptions): Store {
  let tasks = new Map<string, StoredTask>();
  let threads = new Map<string, Thread>();
  let runs = new Map<string, RunRecord>();
  let idempotency = new Map<string, IdempotentResponse>();
  let nextSeq = 1;
  let budget = options.budget;
  const file = options.dataFile
    ? openJournalFile<PersistedData, StoreChange>(options.dataFile, parseData)
    : undefined;
  // Changes not yet written; whether a clear is (the journal cannot express one); whether the
  // next write must rewrite the data file (there is none yet, or an append may have torn a line).
  let pending: StoreChange[] = [];
  let cleared = false;
  let rewrite = file !== undefined && file.snapshot === undefined;
  // Whether the journal holds changes the data file does not.
  let journaled = (file?.changes.length ?? 0) > 0;

  /** Applies a change to the maps: the one path of both live writes and the journal's replay. */
  function apply(change: StoreChange): void {
    switch (change.op) {
      case "task":
        tasks.set(change.task.id, { seq: change.seq, task: change.task });
        nextSeq = change.nextSeq;
        break;
      case "deleteTask":
        tasks.delete(change.id);
        break;
      case "thread":
        threads.set(change.thread.id, change.thread);
        break;
      case "deleteThread":
        threads.delete(change.id);
        break;
      case "run":
        runs.set(change.record.run.id, change.record);
        break;
      case "idempotent":
        idempotency.set(change.key, change.response);
        break;
      case "budget":
        budget = change.budget;
        break;
    }
  }

  function change(c: StoreChange): void {
    apply(c);
    if (file) pending.push(c);
  }

  function persisted(): PersistedData {
    return {
      version: 1,
      budget,
      nextSeq,
      tasks: [...tasks.values()],
      threads: [...threads.values()],
      runs: [...runs.values()],
      idempotency: Object.fromEntries(idempotency),
    };
  }

  function compact(): void {
    file!.compact(persisted());
    pending = [];
    cleared = false;
    rewrite = false;
    journaled = false;
  }

  const store: Store = {
    get budget() {
      return budget;
    },
    set budget(usd: number) {
      change({ op: "budget", budget: usd });
    },
    getTask: (id) => tasks.get(id)?.task,
    listTasks: () => [...tasks.values()],
    putTask(task) {
      const seq = tasks.get(task.id)?.seq ?? nextSeq++;
      change({ op: "task", seq, nextSeq, task });
    },
    deleteTask(id) {
      const had = tasks.has(id);
      if (had) change({ op: "deleteTask", id });
      return had;
    },
    getThread: (id) => threads.get(id),
    listThreads: () => [...threads.values()],
    putThread(thread) {
      change({ op: "thread", thread });
    },
    deleteThread(id) {
      const had = threads.has(id);
      if (had) change({ op: "deleteThread", id });
      return had;
    },
    getRun: (id) => runs.get(id),
    listRuns: () => [...runs.values()],
    putRun(record) {
      change({ op: "run", record });
    },
    getIdempotent: (key) => idempotency.get(key),
    putIdempotent(key, response) {
      change({ op: "idempotent", key, response });
    },
    clear(usd) {
      tasks = new Map();
      threads = new Map();
      runs = new Map();
      idempotency = new Map();
      nextSeq = 1;
      budget = usd;
      // Journaling a clear would keep every change before it: a tiny snapshot replaces them.
      cleared = file !== undefined;
      pending = [];
    },
    snapshot: () =>
      structuredClone({
        tasks: [...tasks.values()].map((t) => t.task),
        threads: [...threads.values()],
        runs: [...runs.values()].map((r) => r.run),
        budget,
      }),
    flush() {
      if (!file) return;
      const limit = Math.max(
        options.journalLimitBytes ?? JOURNAL_LIMIT_BYTES,
        2 * file.snapshotBytes,
      );
      if (pending.length === 0 && !cleared) return;
      if (rewrite || cleared || file.journalBytes > limit) {
        compact();
        return;
      }
      try {
        file.append(pending);
      } catch (error) {
        // The journal may end in a torn line now: only a full rewrite is safe next time.
        rewrite = true;
        throw error;
      }
      pending = [];
      journaled = true;
    },
    close() {
      if (!file) return;
      if (journaled || cleared || pending.length > 0) compact();
      file.close();
    },
  };
  if (file?.snapshot) {
    const data = file.snapshot;
    tasks = new Map(data.tasks.map((t) => [t.task.id as string, t]));
    threads = new Map(data.threads.map((t) => [t.id as string, t]));
    runs = new Map(data.runs.map((r) => [r.run.id as string, r]));
    idempotency = new Map(Object.entries(data.idempotency ?? {}));
    nextSeq = data.nextSeq;
    budget = data.budget;
  }
  for (const c of file?.changes ?? []) apply(c);
  return store;
}

/** The data file's JSON, checked for a version this code reads. */
function parseData(json: unknown): PersistedData {
  const data = json as PersistedData;
  if (data?.version !== 1) throw new Error(`${String(data?.version)}: unknown data file version`);
  return data;
}
