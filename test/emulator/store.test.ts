/**
 * The emulator's file store: a snapshot plus an append-only journal. Data files written before
 * the journal existed still open; a killed process loses nothing it answered; a torn last
 * journal line is dropped, a damaged one before it is an error; compaction keeps the journal
 * bounded and never resurrects what it superseded.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createStore, type Store } from "../../emulator/store";
import { journalPath } from "../../emulator/journal";
import { start, startCli, TOKEN } from "./helpers";

let dir: string;
let dataFile: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "acp-store-"));
  dataFile = path.join(dir, "store.json");
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Everything a store persists, in list order. */
function contents(store: Store, idempotencyKeys: string[] = []) {
  return {
    budget: store.budget,
    tasks: store.listTasks(),
    threads: store.listThreads(),
    runs: store.listRuns(),
    idempotency: idempotencyKeys.map((k) => store.getIdempotent(k)),
  };
}

const task = (id: string, title: string) => ({ id, title, status: "todo" as const });

describe("the file store", () => {
  it("opens a data file written before the journal existed, and reopens what it writes", () => {
    // The shape the emulator has always written: version 1, no generation, no journal.
    const legacy = {
      version: 1,
      budget: 7.5,
      nextSeq: 4,
      tasks: [
        { seq: 1, task: task("task_a", "a") },
        { seq: 3, task: task("task_c", "c") },
      ],
      threads: [{ id: "thr_1", taskId: "task_a" }],
      runs: [{ serverId: "s", run: { id: "run_1", status: "completed" }, events: [], cost: 0.05 }],
      idempotency: { "POST /v1/tasks k": { fingerprint: "{}", status: 201, body: { id: "x" } } },
    };
    fs.writeFileSync(dataFile, JSON.stringify(legacy));
    const old = createStore({ budget: 100, dataFile });
    expect(contents(old, ["POST /v1/tasks k"])).toEqual({
      budget: 7.5,
      tasks: legacy.tasks,
      threads: legacy.threads,
      runs: legacy.runs,
      idempotency: [legacy.idempotency["POST /v1/tasks k"]],
    });
    old.putTask(task("task_d", "d"));
    old.putTask({ ...task("task_a", "a"), title: "a2" });
    old.flush();
    const written = contents(old, ["POST /v1/tasks k"]);
    expect(written.tasks.map((t) => [t.seq, t.task.title])).toEqual([
      [1, "a2"],
      [3, "c"],
      [4, "d"],
    ]);
    old.close();
    expect(fs.existsSync(journalPath(dataFile))).toBe(false);
    // Still version 1: a release without the journal reads a compacted file.
    expect(JSON.parse(fs.readFileSync(dataFile, "utf8"))).toMatchObject({ version: 1, nextSeq: 5 });
    const reopened = createStore({ budget: 100, dataFile });
    expect(contents(reopened, ["POST /v1/tasks k"])).toEqual(written);
    reopened.putTask(task("task_e", "e"));
    expect(reopened.listTasks().at(-1)?.seq).toBe(5);
  });

  it("answers from the journal after a kill: nothing answered is lost", async () => {
    const { child, url, exited } = await startCli(["--port", "0", "--data", dataFile], {
      ACP_EMULATOR_TOKEN: TOKEN,
    });
    const call = async (method: string, route: string, body: unknown, key?: string) => {
      const response = await fetch(url + route, {
        method,
        headers: {
          authorization: `Bearer ${TOKEN}`,
          "content-type": "application/json",
          ...(key ? { "idempotency-key": key } : {}),
        },
        body: JSON.stringify(body),
      });
      expect(response.status).toBeLessThan(300);
      return ((await response.json()) as { task: { id: string; title: string; status: string } })
        .task;
    };
    const answered: { id: string; title: string; status: string }[] = [];
    for (let i = 0; i < 40; i++) {
      const created = await call("POST", "/v1/tasks", { title: `t${i}` }, `key-${i}`);
      answered.push(
        i % 2 ? await call("PATCH", `/v1/tasks/${created.id}`, { status: "done" }) : created,
      );
    }
    child.kill("SIGKILL");
    await exited;
    expect(child.signalCode).toBe("SIGKILL");
    expect(fs.existsSync(journalPath(dataFile))).toBe(true);

    const h = await start({ dataFile });
    try {
      const tasks = h.emulator.snapshot().tasks;
      expect(tasks.map((t) => [t.id, t.title, t.status])).toEqual(
        answered.map((t) => [t.id, t.title, t.status]),
      );
      // The idempotency keys answered before the kill replay instead of creating again.
      const replay = await h.call(
        "POST",
        "/v1/tasks",
        { title: "t7" },
        { "idempotency-key": "key-7" },
      );
      expect(replay.headers.get("idempotent-replayed")).toBe("true");
      expect(replay.body.task.id).toBe(answered[7].id);
      expect(h.emulator.snapshot().tasks).toHaveLength(40);
    } finally {
      await h.emulator.close();
    }
  }, 30_000);

  it("drops a torn last journal line, cuts it from the file, and goes on journaling", () => {
    const first = createStore({ budget: 5, dataFile });
    first.putTask(task("task_a", "a"));
    first.flush();
    first.putTask(task("task_b", "b"));
    first.budget = 4;
    first.flush();
    const answered = contents(first);
    // A kill in the middle of the next append: half a line, no newline.
    const journal = journalPath(dataFile);
    const sizeBefore = fs.statSync(journal).size;
    fs.appendFileSync(journal, '[{"op":"task","seq":3,"nextSeq":4,"task":{"id":"task_c","ti');

    const second = createStore({ budget: 5, dataFile });
    expect(contents(second)).toEqual(answered);
    expect(fs.statSync(journal).size).toBe(sizeBefore);
    second.putTask(task("task_c", "c"));
    second.flush();
    const third = createStore({ budget: 5, dataFile });
    expect(third.listTasks().map((t) => [t.seq, t.task.id])).toEqual([
      [1, "task_a"],
      [2, "task_b"],
      [3, "task_c"],
    ]);
    expect(third.budget).toBe(4);
  });

  it("refuses to open a journal damaged before its last line, naming the file and line", () => {
    const first = createStore({ budget: 5, dataFile });
    // The first flush of a new store writes the data file; the later ones, a journal line each.
    for (const id of ["task_a", "task_b", "task_c", "task_d"]) {
      first.putTask(task(id, id));
      first.flush();
    }
    const journal = journalPath(dataFile);
    const lines = fs.readFileSync(journal, "utf8").split("\n");
    lines[2] = lines[2].slice(0, 10);
    fs.writeFileSync(journal, lines.join("\n"));
    expect(() => createStore({ budget: 5, dataFile })).toThrow(
      `${journal}: line 3 is damaged; the store cannot be opened without losing data`,
    );
  });

  it("ignores a journal left behind by a compaction: what it held is in the data file", () => {
    const first = createStore({ budget: 5, dataFile });
    first.putTask(task("task_a", "a"));
    first.flush();
    first.putTask(task("task_b", "b"));
    first.flush();
    const stale = fs.readFileSync(journalPath(dataFile));
    first.deleteTask("task_a");
    first.flush();
    first.close();
    // As if the process died after writing the data file and before removing the journal.
    fs.writeFileSync(journalPath(dataFile), stale);
    const second = createStore({ budget: 5, dataFile });
    expect(second.listTasks().map((t) => t.task.id)).toEqual(["task_b"]);
    expect(fs.existsSync(journalPath(dataFile))).toBe(false);
  });

  it("compacts when the journal passes its bound, and never rewrites the data file before", () => {
    const store = createStore({ budget: 5, dataFile, journalLimitBytes: 4096 });
    store.putTask(task("task_a", "a"));
    store.flush();
    const journal = journalPath(dataFile);
    let inode = fs.statSync(dataFile).ino;
    let compactions = 0;
    let largest = 0;
    for (let i = 0; i < 500; i++) {
      store.putTask({ ...task("task_a", "a"), title: `a${i}` });
      store.flush();
      const size = fs.existsSync(journal) ? fs.statSync(journal).size : 0;
      largest = Math.max(largest, size);
      const now = fs.statSync(dataFile).ino;
      if (now !== inode) {
        compactions++;
        expect(size).toBe(0);
        inode = now;
      }
    }
    // About 100 bytes a change: 50,000 journaled, one compaction per 4 KiB.
    expect(compactions).toBeGreaterThanOrEqual(5);
    expect(compactions).toBeLessThan(50);
    expect(largest).toBeLessThan(4096 + 200);
    const reopened = createStore({ budget: 5, dataFile });
    expect(contents(reopened)).toEqual(contents(store));
    expect(reopened.getTask("task_a")?.title).toBe("a499");
  });

  it("writes nothing until something changes", () => {
    const store = createStore({ budget: 5, dataFile });
    store.flush();
    store.close();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("a reset replaces the journal with an empty data file", () => {
    const store = createStore({ budget: 5, dataFile });
    store.putTask(task("task_a", "a"));
    store.flush();
    store.putTask(task("task_b", "b"));
    store.flush();
    store.clear(9);
    store.flush();
    expect(fs.existsSync(journalPath(dataFile))).toBe(false);
    const reopened = createStore({ budget: 5, dataFile });
    expect(contents(reopened)).toEqual({
      budget: 9,
      tasks: [],
      threads: [],
      runs: [],
      idempotency: [],
    });
  });
});
