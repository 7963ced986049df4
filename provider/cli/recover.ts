/**
 * The repair after a fast run that did not finish (see ./fast.ts): run by the next `pulumi-acp`
 * command on the stack before anything else. In order:
 *
 * 1. refuse when the run is still alive on this machine (never repair under a running engine);
 * 2. the local file backend: remove the empty `.attrs` side files a kill can leave, which make
 *    every later command fail with "failed to load checkpoint: EOF";
 * 3. release the killed engine's lock (`pulumi cancel`);
 * 4. drop the state's pending operations (export, remove `pending_operations`, import);
 * 5. refresh: tasks deleted by a killed destroy drop out, tasks a killed run updated show the
 *    server's values;
 * 6. find the tasks the killed run created that the state does not hold: on the server, by the
 *    run's metadata entry the provider wrote at create (../core/run-tag.ts), only those that
 *    name the killed run's id and this stack. The next `up` adopts them (the fast-run file lists
 *    them for the provider); `destroy` deletes them. Two of them for one resource (a create the
 *    client retried on a server without idempotency): the oldest is kept, the others deleted.
 *
 * Creates the server answers only after this scan are found by their stable Idempotency-Key
 * instead: the repaired run goes on under the killed run's id, so the request is byte for byte
 * the one the killed run sent and the server replays its answer.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { ConflictError, NotFoundError, type AcpClient, type Task, type Thread } from "../client";
import { tokensRecovered, type Recovery } from "../core/kinds";
import { parseRunTag } from "../core/run-tag";
import { describeChanges } from "./engine";
import { processAlive, SKIP_CHECKPOINTS_ENV, writeFastRunFile, type FastRunFile } from "./fast";

/** What a repair did, for the command's report and for tests. */
export interface RepairReport {
  /** Empty `.attrs` files removed (paths under the backend's stacks folder). */
  attrsRemoved: string[];
  /** The killed engine's lock was released. */
  lockReleased: boolean;
  /** Pending operations dropped from the state. */
  pendingOperations: number;
  /** The refresh's changes (`delete`: tasks gone from the server, `update`: changed on it). */
  refreshed: Record<string, number>;
  /** Resource key → task id: tasks the killed run created that the state does not hold. */
  found: Record<string, string>;
  /** Ids of extra copies (a second task for one resource) deleted. */
  duplicatesDeleted: string[];
  /** The tasks of {@link RepairReport.found}, as the API returned them. */
  foundTasks: Task[];
  /** The threads of {@link RepairReport.found} (started or run by the killed run). */
  foundThreads: Thread[];
}

/** What the repair works on. */
export interface RepairTarget {
  stack: Stack;
  /** The stack's fast-run file, as read; updated with the tasks found. */
  fastRun: FastRunFile;
  fastRunFile: string;
  client: AcpClient;
  /** The local file backend's directory, when the command keeps the state itself. */
  localBackendDir?: string;
}

/** A run that is still alive: it is never repaired under itself. */
export class RunInProgressError extends Error {
  readonly code = "run_in_progress";
  constructor(fastRun: FastRunFile) {
    super(
      `a pulumi-acp ${fastRun.command} of stack ${fastRun.stack} is still running (process ${fastRun.pid}, started ${fastRun.startedAt}): wait for it to finish, or stop it, then run this command again`,
    );
    this.name = "RunInProgressError";
  }
}

/**
 * Removes the empty `.attrs` side files under a file backend's stacks folder: the backend writes
 * them in place, so a kill at the wrong moment leaves one empty and every command then fails with
 * "failed to load checkpoint: EOF"; the checkpoint itself is written atomically and intact.
 * Returns the files removed (relative to the stacks folder).
 */
export function removeEmptyCheckpointAttrs(backendDir: string): string[] {
  const stacks = path.join(backendDir, ".pulumi", "stacks");
  const empty = filesUnder(stacks).filter(
    (f) => f.endsWith(".attrs") && fs.statSync(path.join(stacks, f)).size === 0,
  );
  for (const f of empty) fs.rmSync(path.join(stacks, f));
  return empty;
}

/** The files under `dir` (relative paths), none when it does not exist. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => fs.statSync(path.join(dir, f)).isFile());
}

/** Lock files of a file backend (the DIY backend keeps one per running update). */
function lockFiles(backendDir: string): number {
  return filesUnder(path.join(backendDir, ".pulumi", "locks")).filter((f) => f.endsWith(".json"))
    .length;
}

/**
 * `pulumi cancel`: true when it released a lock (with a file backend of the command's own: when
 * there was a lock file), false when there was none.
 */
async function releaseLock(stack: Stack, localBackendDir: string | undefined): Promise<boolean> {
  const locked = localBackendDir === undefined || lockFiles(localBackendDir) > 0;
  try {
    await stack.cancel();
    return locked;
  } catch (err) {
    // No update in progress: nothing to release.
    if (/no (stack )?update|not (currently )?locked|no .*in progress/i.test(String(err))) {
      return false;
    }
    throw err;
  }
}

/** Drops the state's pending operations; returns how many there were. */
export async function dropPendingOperations(stack: Stack): Promise<number> {
  const exported = await stack.exportStack();
  const pending = (exported.deployment?.pending_operations ?? []) as unknown[];
  if (pending.length === 0) return 0;
  delete exported.deployment.pending_operations;
  await stack.importStack(exported);
  return pending.length;
}

/**
 * Ids that the state holds of the kinds recovery adopts (see core/kinds.ts): tasks, and the
 * threads linked to them.
 */
async function idsInState(stack: Stack): Promise<Record<"task" | "thread", Set<string>>> {
  const exported = await stack.exportStack();
  const resources = (exported.deployment?.resources ?? []) as Array<{ type: string; id?: string }>;
  const ids = (recovery: Recovery) => {
    const tokens = tokensRecovered(recovery);
    return new Set(resources.filter((r) => tokens.has(r.type) && r.id).map((r) => r.id as string));
  };
  return { task: ids("task"), thread: ids("linked-thread") };
}

/** Appends `item` to the list of `key`, creating the list. */
function push<T>(map: Map<string, T[]>, key: string, item: T): void {
  const list = map.get(key) ?? [];
  list.push(item);
  map.set(key, list);
}

/**
 * Tasks and threads the killed run created and the state does not hold, by resource key
 * (oldest first). Threads are found through the tasks of this stack that link them.
 */
async function findRunObjects(
  target: RepairTarget,
): Promise<{ tasks: Map<string, Task[]>; threads: Map<string, Thread[]> }> {
  const { fastRun } = target;
  const inState = await idsInState(target.stack);
  const ours = (metadata: unknown) => {
    const mark = parseRunTag(metadata);
    const prefix = `${fastRun.project}/${fastRun.stack}/`;
    return mark && mark.runId === fastRun.runId && mark.key.startsWith(prefix) ? mark.key : "";
  };
  const tasks = new Map<string, Task[]>();
  const linked = new Set<string>();
  for await (const task of target.client.tasks.listAll()) {
    if (!task.id) continue;
    const key = ours(task.metadata);
    if (key && !inState.task.has(task.id)) push(tasks, key, task);
    if (key || inState.task.has(task.id)) {
      for (const id of task.linkedThreadIds ?? []) if (!inState.thread.has(id)) linked.add(id);
    }
  }
  const threads = new Map<string, Thread[]>();
  for (const id of linked) {
    try {
      const thread = await target.client.threads.retrieve(id);
      const key = ours(thread.metadata);
      if (key) push(threads, key, thread);
    } catch (err) {
      if (!NotFoundError.isInstance(err)) throw err;
    }
  }
  const byAge = (a: { createdAt?: unknown }, b: { createdAt?: unknown }) =>
    String(a.createdAt ?? "").localeCompare(String(b.createdAt ?? ""));
  for (const list of [...tasks.values(), ...threads.values()]) list.sort(byAge);
  return { tasks, threads };
}

/** Deletes threads (all made by the killed run); one already gone is fine. */
export async function deleteRunThreads(client: AcpClient, threads: Thread[]): Promise<void> {
  await Promise.all(
    threads.map(async (thread) => {
      try {
        await client.threads.delete(thread.id as string);
      } catch (err) {
        if (!NotFoundError.isInstance(err)) throw err;
      }
    }),
  );
}

/**
 * Deletes tasks (all made by the killed run), dependents first; returns the ids that could not be
 * deleted because a task outside the list still depends on them.
 */
export async function deleteRunTasks(client: AcpClient, tasks: Task[]): Promise<string[]> {
  let left = tasks.filter((t) => t.id);
  for (;;) {
    const needed = new Set(left.flatMap((t) => t.dependencyIds ?? []));
    const now = left.filter((t) => !needed.has(t.id as string));
    if (now.length === 0) return left.map((t) => t.id as string);
    const refused: Task[] = [];
    await Promise.all(
      now.map(async (task) => {
        try {
          await client.tasks.delete(task.id as string);
        } catch (err) {
          if (NotFoundError.isInstance(err)) return;
          if (ConflictError.isInstance(err)) refused.push(task);
          else throw err;
        }
      }),
    );
    const done = new Set(now.filter((t) => !refused.includes(t)).map((t) => t.id));
    if (done.size === 0) return left.map((t) => t.id as string);
    left = left.filter((t) => !done.has(t.id));
  }
}

/**
 * Repairs the stack after the run its fast-run file records (see the file's comment). The fast-run file
 * is rewritten with the tasks found; the caller removes it once an `up` or `destroy` succeeds.
 */
export async function repairInterruptedRun(target: RepairTarget): Promise<RepairReport> {
  const { stack, fastRun } = target;
  if (fastRun.host === os.hostname() && processAlive(fastRun.pid)) {
    throw new RunInProgressError(fastRun);
  }
  const attrsRemoved = target.localBackendDir
    ? removeEmptyCheckpointAttrs(target.localBackendDir)
    : [];
  const lockReleased = await releaseLock(stack, target.localBackendDir);
  const pendingOperations = await dropPendingOperations(stack);
  // A refresh that is killed loses nothing: it is repeated by the next repair.
  const env = stack.workspace.envVars;
  const before = env[SKIP_CHECKPOINTS_ENV];
  env[SKIP_CHECKPOINTS_ENV] = "true";
  let refreshed: Record<string, number>;
  try {
    refreshed = (await stack.refresh({ color: "never" })).summary.resourceChanges ?? {};
  } finally {
    if (before === undefined) delete env[SKIP_CHECKPOINTS_ENV];
    else env[SKIP_CHECKPOINTS_ENV] = before;
  }
  const objects = await findRunObjects(target);
  const found: Record<string, string> = {};
  const keep = <T extends { id?: string | null }>(byKey: Map<string, T[]>) => {
    const kept: T[] = [];
    const extra: T[] = [];
    for (const [key, [first, ...rest]] of byKey) {
      found[key] = first.id as string;
      kept.push(first);
      extra.push(...rest);
    }
    return { kept, extra };
  };
  const tasks = keep(objects.tasks);
  const threads = keep(objects.threads);
  await deleteRunThreads(target.client, threads.extra);
  const left = new Set(await deleteRunTasks(target.client, tasks.extra));
  const duplicatesDeleted = [
    ...threads.extra.map((t) => t.id as string),
    ...tasks.extra.map((t) => t.id as string).filter((id) => !left.has(id)),
  ];
  writeFastRunFile(target.fastRunFile, { ...fastRun, adopt: found });
  return {
    attrsRemoved,
    lockReleased,
    pendingOperations,
    refreshed,
    found,
    duplicatesDeleted,
    foundTasks: tasks.kept,
    foundThreads: threads.kept,
  };
}

/** The repair's report, as the lines the command prints. */
export function describeRepair(report: RepairReport, command: string): string[] {
  const lines: string[] = [];
  if (report.attrsRemoved.length > 0) {
    lines.push(`removed ${report.attrsRemoved.length} empty checkpoint side file(s)`);
  }
  if (report.lockReleased) lines.push("released the interrupted engine's lock");
  if (report.pendingOperations > 0) {
    lines.push(`dropped ${report.pendingOperations} pending operation(s) from the state`);
  }
  const refresh = describeChanges(report.refreshed);
  lines.push(
    refresh === "No changes."
      ? "refresh: the state matches the API"
      : `refresh: ${refresh.replace(/^Changes: /, "").replace(/\.$/, "")} (delete: gone from the API; update: changed on it)`,
  );
  const found = report.foundTasks.length + report.foundThreads.length;
  if (found > 0) {
    const fate =
      command === "up"
        ? "this up adopts them"
        : command === "destroy"
          ? "this destroy deletes them"
          : "the next up adopts them";
    const threads =
      report.foundThreads.length > 0 ? ` and ${report.foundThreads.length} thread(s)` : "";
    lines.push(
      `found ${report.foundTasks.length} task(s)${threads} the interrupted run created but never recorded: ${fate}`,
    );
  } else {
    lines.push("found no task the interrupted run created without recording it");
  }
  if (report.duplicatesDeleted.length > 0) {
    lines.push(
      `deleted ${report.duplicatesDeleted.length} second cop(ies) of a task it created twice: ${report.duplicatesDeleted.join(", ")}`,
    );
  }
  return lines;
}
