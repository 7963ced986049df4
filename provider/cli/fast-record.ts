/**
 * The record of a running fast apply, kept with the state so that every runner sharing the
 * backend finds it: a stack tag, `pulumi-acp:fast-run`, whose value is a small JSON object
 * (the run's id, command, host, process, start and last heartbeat).
 *
 * Why a stack tag: every Pulumi backend has them (Pulumi Cloud, and the DIY backends, which on
 * CLI 3.276 keep them as an object beside the stack, `<stack>.pulumi-tags`, in the same bucket,
 * directory or PostgreSQL table as the state), the CLI reads and writes them for us, and writing
 * one takes no stack lock and leaves the checkpoint alone, so a run can refresh its record while
 * its own update holds the lock. An object of our own beside the stack would need a client for
 * each kind of storage (S3, GCS, Azure, PostgreSQL, files) and would not exist on Pulumi Cloud.
 * A tag value is short (Pulumi Cloud allows 256 characters), so the record holds only what
 * identifies the run; the list of tasks a repair found for the provider to adopt stays in a
 * local file of the command that repairs (./fast.ts), and every command repeats the repair.
 *
 * Whether a recorded run is still alive, across runners ({@link recordIsAlive}): the run
 * rewrites its record every {@link HEARTBEAT_MS}; a record is alive while its heartbeat is
 * younger than {@link LEASE_MS}, except that on the run's own host a process that is gone ends
 * it at once. A live run is never repaired and its stack is never touched; a dead one is
 * repaired by the next command on any runner.
 */
import * as os from "node:os";
import type { Stack } from "@pulumi/pulumi/automation";
import { z } from "zod";
import { processAlive, type FastRunFile } from "./fast";
import { pendingCreateCount, readDeployment } from "./state-read";
import { stackTags, type StackTags } from "./stack-tags";
import { lockedByRecord, lockedFromEngine } from "./state-lock";

/**
 * How recent a read of the record {@link BackendFastRun.begin} takes as current (ms): about the
 * time a command takes from that read to its apply when nothing asks the user in between.
 */
export const RECORD_FRESH_MS = 2_000;

/** The stack tag holding the record. */
export const FAST_RUN_TAG = "pulumi-acp:fast-run";

/** How often a running fast apply rewrites its record (ms). */
export const HEARTBEAT_MS = 10_000;

/**
 * How long a record stays alive without a heartbeat (ms): six heartbeats, so that a slow
 * backend write or a busy machine never makes a live run look dead.
 */
export const LEASE_MS = 60_000;

/** The tag's value. */
export const FastRunRecord = z.object({
  /** The run's id (see ../core/run-tag.ts). */
  runId: z.string().regex(/^[0-9a-f]{32}$/),
  /** `up` or `destroy`. */
  command: z.string(),
  host: z.string(),
  pid: z.number().int(),
  /** ISO 8601. */
  startedAt: z.string(),
  /** ISO 8601: the last time the run wrote its record. */
  heartbeatAt: z.string(),
});
/** See {@link FastRunRecord}. */
export type FastRunRecord = z.infer<typeof FastRunRecord>;

/** The record of the run that `fastRun` describes, its heartbeat now. */
export function recordOf(fastRun: FastRunFile, now = new Date()): FastRunRecord {
  return {
    runId: fastRun.runId,
    command: fastRun.command,
    host: fastRun.host.slice(0, 64),
    pid: fastRun.pid,
    startedAt: fastRun.startedAt,
    heartbeatAt: now.toISOString(),
  };
}

/** The lease rule of the file's comment: true while the recorded run may still be applying. */
export function recordIsAlive(
  record: FastRunRecord,
  now = Date.now(),
  host = os.hostname(),
  alive: (pid: number) => boolean = processAlive,
): boolean {
  const beat = Date.parse(record.heartbeatAt);
  if (!Number.isFinite(beat) || now - beat >= LEASE_MS) return false;
  return record.host !== host.slice(0, 64) || alive(record.pid);
}

/** A stack by name, with its tags (./stack-tags.ts). */
export interface TaggedStack {
  name: string;
  tags: StackTags;
}

/** The stack's record, or undefined when no fast run is recorded. */
export async function readRecord(stack: TaggedStack): Promise<FastRunRecord | undefined> {
  const tags = await stack.tags.list();
  const value = tags[FAST_RUN_TAG];
  if (value === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    json = undefined;
  }
  const parsed = FastRunRecord.safeParse(json);
  if (!parsed.success) {
    throw new Error(
      `the stack tag ${FAST_RUN_TAG} of stack ${stack.name} is not a fast-run record this version wrote: if no pulumi-acp command is running on the stack, remove it (pulumi stack tag rm ${FAST_RUN_TAG} --stack ${stack.name}) and run \`pulumi-acp refresh\``,
    );
  }
  return parsed.data;
}

/** Writes the record (the whole tag: the last writer wins). */
export async function writeRecord(stack: TaggedStack, record: FastRunRecord): Promise<void> {
  await stack.tags.set(FAST_RUN_TAG, JSON.stringify(record));
}

/** Removes the record when it is the run `runId`'s (never another run's). */
export async function removeRecord(stack: TaggedStack, runId: string): Promise<void> {
  const current = await readRecord(stack).catch(() => undefined);
  if (current?.runId === runId) await stack.tags.remove(FAST_RUN_TAG);
}

/** A running heartbeat; `stop` ends it and waits for a write in flight. */
export interface Heartbeat {
  stop(): Promise<void>;
}

/**
 * Writes the record now, then every {@link HEARTBEAT_MS} until stopped. A failed heartbeat is
 * reported once through `warn` and retried at the next beat: the lease outlasts several.
 */
export async function startHeartbeat(
  stack: TaggedStack,
  fastRun: FastRunFile,
  warn: (message: string) => void,
): Promise<Heartbeat> {
  await writeRecord(stack, recordOf(fastRun));
  let inFlight: Promise<void> | undefined;
  let warned = false;
  const timer = setInterval(() => {
    if (inFlight) return;
    inFlight = writeRecord(stack, recordOf(fastRun))
      .catch((err: unknown) => {
        if (!warned) warn(`could not renew the fast-run record (${String(err).split("\n")[0]})`);
        warned = true;
      })
      .finally(() => (inFlight = undefined));
  }, HEARTBEAT_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await inFlight;
    },
  };
}

/** The fast-run file's content (the shape the repair works with) of a run found in the backend. */
export function fastRunFileOfRecord(
  record: FastRunRecord,
  where: { project: string; stack: string; backend: string },
): FastRunFile {
  return {
    project: where.project,
    stack: where.stack,
    command: record.command,
    runId: record.runId,
    startedAt: record.startedAt,
    pid: record.pid,
    host: record.host,
    backend: where.backend,
  };
}

/**
 * Creates a killed default (not fast) run left pending in the state. Their tasks may exist on
 * the API; a default run sends each create again byte for byte, with the same Idempotency-Key,
 * and gets that task back, whereas a fast run's creates carry its run tag and so a new key.
 * `localBackendDir`: the command's own file backend, read without the CLI (./state-read.ts).
 */
export async function pendingCreates(
  stack: Stack,
  where: { project: string; localBackendDir?: string },
): Promise<number> {
  return pendingCreateCount(await readDeployment(stack, where));
}

/**
 * A command's view of the stack's fast-run record in the backend: what it finds before it starts
 * (a dead run to repair, or a live one that holds the stack), the record it keeps while it applies
 * fast, and its removal when the apply has been recorded in the state.
 *
 * On a CLI whose backend has no stack tags, the command falls back to the fast-run file of its
 * working directory alone (what earlier versions did): repair then works on one machine only.
 */
export class BackendFastRun {
  private heartbeat?: Heartbeat;
  private tags = true;
  private readonly tagged: TaggedStack;
  /** When {@link interrupted} read the record, and what it found. */
  private readAt?: number;
  private lastRead?: FastRunRecord;

  constructor(
    stack: Stack,
    private readonly where: {
      project: string;
      stack: string;
      backend: string;
      /** The command's own file backend, whose tags file is read and written directly. */
      localBackendDir?: string;
      /** The command line that clears a stale engine lock of this stack. */
      clearLock: string;
    },
    private readonly warn: (message: string) => void,
  ) {
    this.tagged = { name: stack.name, tags: stackTags(stack, where) };
  }

  /**
   * The run this command must repair first, if any. Throws {@link lockedByRecord}'s error when a
   * live run holds the stack (a preview, which changes nothing, goes ahead without repairing).
   * `local`: the fast-run file of the working directory; with tags it is only a mirror, and one
   * the backend does not confirm is left over from a run another runner has since repaired.
   */
  async interrupted(
    command: string,
    local: FastRunFile | undefined,
    removeLocal: () => void,
  ): Promise<FastRunFile | undefined> {
    let record: FastRunRecord | undefined;
    try {
      record = await readRecord(this.tagged);
      this.readAt = Date.now();
      this.lastRead = record;
    } catch (err) {
      if (!/unknown command|not supported|unsupported/i.test(String(err))) throw err;
      this.tags = false;
      return local;
    }
    if (record === undefined) {
      if (local) removeLocal();
      return undefined;
    }
    if (recordIsAlive(record)) {
      if (command === "preview") return undefined;
      throw lockedByRecord(this.where.stack, record);
    }
    return fastRunFileOfRecord(record, this.where);
  }

  /**
   * Just before the apply: the stack must still be free; then the record and its heartbeat. The
   * record is read again unless {@link interrupted} read it under {@link RECORD_FRESH_MS} ago
   * (no prompt in between): a run starting in that moment is the case of two runs starting at
   * once (RELIABILITY.md), which a second read a moment later does not close either.
   */
  async begin(fastRun: FastRunFile, now = Date.now()): Promise<void> {
    if (!this.tags) return;
    const fresh = this.readAt !== undefined && now - this.readAt < RECORD_FRESH_MS;
    const current = fresh ? this.lastRead : await readRecord(this.tagged);
    if (current && current.runId !== fastRun.runId && recordIsAlive(current)) {
      throw lockedByRecord(this.where.stack, current);
    }
    this.heartbeat = await startHeartbeat(this.tagged, fastRun, this.warn);
  }

  /** The apply is recorded in the state: the record goes. */
  async end(runId: string): Promise<void> {
    await this.heartbeat?.stop();
    this.heartbeat = undefined;
    if (this.tags) await removeRecord(this.tagged, runId);
  }

  /**
   * Runs `operation`; when it fails, the heartbeat stops (the record stays: the next command
   * repairs). When the engine refused to start because another run holds its lock, the error
   * becomes a StackLockedError naming the holder, and a record this command wrote for a new run
   * (`fresh`: not one it continues after a repair) goes: nothing was applied.
   */
  async guard<T>(run: { runId?: string; fresh: boolean }, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (err) {
      await this.heartbeat?.stop();
      this.heartbeat = undefined;
      const locked = lockedFromEngine(err, this.where.stack, this.where.clearLock);
      if (locked && run.runId && run.fresh && this.tags) {
        await removeRecord(this.tagged, run.runId).catch(() => undefined);
      }
      throw locked ?? err;
    }
  }
}
