/**
 * `npm run bench:emulator-store`: what persisting the emulator's store costs, by size. For each
 * N it replays what a sprint's up does to the store (N task creates, each with its idempotency
 * key, then N patches), flushing after each request as the emulator does before it answers, and
 * reports the seconds of:
 * - `memory`: no data file (the floor);
 * - `journal`: the file store (an append per request, compaction on close and past its bound);
 * - `rewrite`: the previous design, the whole store rewritten (temp file + rename) after each
 *   request (its MB written reported too); skipped above BENCH_STORE_REWRITE_MAX tasks (default
 *   2000) as it grows with N² (7 GB written at 2,000).
 * Needs no engine. Settings: BENCH_STORE_SIZES (default "300,2000,5000").
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { createStore, type Store } from "../emulator/store";
import type { Task } from "../provider/client/schemas";

const SIZES = (process.env.BENCH_STORE_SIZES?.trim() || "300,2000,5000").split(",").map(Number);
const REWRITE_MAX = Number(process.env.BENCH_STORE_REWRITE_MAX?.trim() || 2000);

type Mode = "memory" | "journal" | "rewrite";

/** A task as the emulator stores one created from a sprint file. */
function sprintTask(i: number, deps: string[]): Task & { id: string } {
  const now = new Date(Date.UTC(2026, 11, 2, 6, 0, i % 60)).toISOString();
  return {
    id: `task_${i.toString(16).padStart(20, "0")}`,
    userId: "user_emulator",
    projectId: "proj_bench",
    sprintId: "sprint_bench",
    title: `Task ${i}: implement part ${i} of the sprint`,
    description: `Part ${i} of the benchmark sprint, with enough text to look like a real task.`,
    status: "todo",
    priority: "medium",
    dependencyIds: deps,
    linkedThreadIds: [],
    metadata: { "pulumi-acp:key": `t${i}`, team: "bench" },
    createdAt: now,
    updatedAt: now,
  };
}

/** The previous persistence: the whole store written again after each request. */
function rewriteAll(store: Store, file: string, idempotency: Map<string, unknown>): number {
  const text = JSON.stringify({
    version: 1,
    budget: store.budget,
    nextSeq: store.listTasks().length + 1,
    tasks: store.listTasks(),
    threads: store.listThreads(),
    runs: store.listRuns(),
    idempotency: Object.fromEntries(idempotency),
  });
  // The previous design did not fsync; writeAtomic does, so write as it did.
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
  return Buffer.byteLength(text);
}

function run(mode: Mode, n: number, dir: string): { seconds: number; bytes: number; file: number } {
  const dataFile = path.join(dir, `${mode}-${n}.json`);
  const store = createStore({ budget: 100, dataFile: mode === "journal" ? dataFile : undefined });
  const idempotency = new Map<string, unknown>();
  let bytes = 0;
  const flush = () => {
    if (mode === "rewrite") bytes += rewriteAll(store, dataFile, idempotency);
    else store.flush();
  };
  const started = performance.now();
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const deps = i < 2 ? [] : [ids[i - 1], ids[Math.floor(i / 2)]];
    const task = sprintTask(i, deps);
    store.putTask(task);
    const response = { fingerprint: `{"title":"${task.title}"}`, status: 201, body: { task } };
    store.putIdempotent(`POST /v1/tasks key-${i}`, response);
    idempotency.set(`POST /v1/tasks key-${i}`, response);
    ids.push(task.id);
    flush();
  }
  for (let i = 0; i < n; i++) {
    const task = store.getTask(ids[i])!;
    store.putTask({ ...task, id: ids[i], status: "done", updatedAt: new Date().toISOString() });
    flush();
  }
  store.close();
  const seconds = (performance.now() - started) / 1000;
  const file = fs.existsSync(dataFile) ? fs.statSync(dataFile).size : 0;
  return { seconds, bytes, file };
}

function main(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "acp-bench-store-"));
  const rows: string[] = [
    `emulator store: N creates (with idempotency keys) then N patches, a flush per request`,
    `load ${os.loadavg()[0].toFixed(2)}, ${os.cpus().length} cores, node ${process.version}`,
    "",
    "| N | memory s | journal s | rewrite s | rewrite / journal | MB rewritten | data file MB |",
    "|---:|---:|---:|---:|---:|---:|---:|",
  ];
  try {
    for (const n of SIZES) {
      const memory = run("memory", n, dir);
      const journal = run("journal", n, dir);
      const rewrite = n <= REWRITE_MAX ? run("rewrite", n, dir) : undefined;
      const mb = (b: number) => (b / 1e6).toFixed(1);
      rows.push(
        `| ${n} | ${memory.seconds.toFixed(2)} | ${journal.seconds.toFixed(2)} | ${rewrite ? rewrite.seconds.toFixed(2) : "skipped"} | ${rewrite ? (rewrite.seconds / journal.seconds).toFixed(1) + " ×" : "–"} | ${rewrite ? mb(rewrite.bytes) : "–"} | ${mb(journal.file)} |`,
      );
      process.stderr.write(`${rows.at(-1)}\n`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`${rows.join("\n")}\n`);
}

main();
