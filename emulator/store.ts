import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
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
  /** Persists the store when it has a data file (atomic: temp file then rename). */
  flush(): void;
}

interface PersistedData {
  version: 1;
  budget: number;
  nextSeq: number;
  tasks: StoredTask[];
  threads: Thread[];
  runs: RunRecord[];
  idempotency: Record<string, IdempotentResponse>;
}

/** Options of {@link createStore}. */
export interface StoreOptions {
  /** Budget in USD of a new store (ignored when the data file exists: its budget wins). */
  budget: number;
  /** JSON file to load on start and to write after each change. */
  dataFile?: string;
}

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
  let dirty = false;
  let budget = options.budget;
  const store: Store = {
    get budget() {
      return budget;
    },
    set budget(usd: number) {
      budget = usd;
      dirty = true;
    },
    getTask: (id) => tasks.get(id)?.task,
    listTasks: () => [...tasks.values()],
    putTask(task) {
      const existing = tasks.get(task.id);
      tasks.set(task.id, { seq: existing?.seq ?? nextSeq++, task });
      dirty = true;
    },
    deleteTask(id) {
      const had = tasks.delete(id);
      dirty ||= had;
      return had;
    },
    getThread: (id) => threads.get(id),
    listThreads: () => [...threads.values()],
    putThread(thread) {
      threads.set(thread.id, thread);
      dirty = true;
    },
    deleteThread(id) {
      const had = threads.delete(id);
      dirty ||= had;
      return had;
    },
    getRun: (id) => runs.get(id),
    listRuns: () => [...runs.values()],
    putRun(record) {
      runs.set(record.run.id, record);
      dirty = true;
    },
    getIdempotent: (key) => idempotency.get(key),
    putIdempotent(key, response) {
      idempotency.set(key, response);
      dirty = true;
    },
    clear(usd) {
      tasks = new Map();
      threads = new Map();
      runs = new Map();
      idempotency = new Map();
      nextSeq = 1;
      store.budget = usd;
    },
    snapshot: () =>
      structuredClone({
        tasks: [...tasks.values()].map((t) => t.task),
        threads: [...threads.values()],
        runs: [...runs.values()].map((r) => r.run),
        budget,
      }),
    flush() {
      if (!options.dataFile || !dirty) return;
      const data: PersistedData = {
        version: 1,
        budget,
        nextSeq,
        tasks: [...tasks.values()],
        threads: [...threads.values()],
        runs: [...runs.values()],
        idempotency: Object.fromEntries(idempotency),
      };
      writeAtomic(options.dataFile, JSON.stringify(data));
      dirty = false;
    },
  };
  if (options.dataFile && fs.existsSync(options.dataFile)) {
    // A corrupt file is an error the user must see, not a silently empty store.
    const data = JSON.parse(fs.readFileSync(options.dataFile, "utf8")) as PersistedData;
    if (data.version !== 1) throw new Error(`${options.dataFile}: unknown data file version`);
    tasks = new Map(data.tasks.map((t) => [t.task.id as string, t]));
    threads = new Map(data.threads.map((t) => [t.id as string, t]));
    runs = new Map(data.runs.map((r) => [r.run.id as string, r]));
    idempotency = new Map(Object.entries(data.idempotency ?? {}));
    nextSeq = data.nextSeq;
    budget = data.budget;
  }
  return store;
}

/** Writes a temp file beside `file` and renames it over `file`: readers never see half a file. */
function writeAtomic(file: string, text: string): void {
  const tmp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
  );
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}
