/**
 * One stack, one apply at a time, across runners. Two guards, both kept in the backend:
 *
 * - the engine's own lock, which every `up`, `refresh` and `destroy` takes for its whole run (on
 *   the DIY backends an object under `.pulumi/locks/` that names user, host, process and time);
 * - the record of a running fast apply (./fast-record.ts), alive while its heartbeat is fresh.
 *
 * A command that finds the stack held exits with exit code 5 (`EXIT.locked`) and one line naming the
 * holder (host, process, since when), or with `--wait-for-lock SECONDS` tries again every
 * {@link LOCK_POLL_MS} until the holder is done or the time is up. A lock whose process is gone
 * from this host (a killed default run) is named as stale, with the command that clears it.
 */
import * as os from "node:os";
import { processAlive } from "./fast";
import type { FastRunRecord } from "./fast-record";

/** How often `--wait-for-lock` tries again (ms). */
export const LOCK_POLL_MS = 3_000;

/** Who holds a stack. */
export interface LockHolder {
  /** What holds it: a fast run's record, or the engine's lock. */
  kind: "fast-run" | "engine";
  host: string;
  pid: number;
  /** ISO 8601 (or the engine's own time format). */
  since: string;
  /** The holder is gone (its process is not running on this host): the lock is left over. */
  stale: boolean;
  /** The engine lock's user, when known. */
  user?: string;
}

/** The stack is held by another run (see the file's comment). */
export class StackLockedError extends Error {
  readonly code = "stack_locked";
  /** The holder in words: what, who, since when. */
  readonly heldBy: string;
  constructor(
    readonly stackName: string,
    readonly holder: LockHolder,
    /** How to clear a stale lock (a command line), when there is one. */
    clear?: string,
  ) {
    const stack = stackName;
    const who = `${holder.user ? `${holder.user}@` : ""}${holder.host}, process ${holder.pid}, since ${holder.since}`;
    const what =
      holder.kind === "fast-run" ? "a running pulumi-acp fast run" : "the Pulumi engine's lock";
    super(
      holder.stale
        ? `stack ${stack} is locked by ${what} whose process is gone (${who}): a run was killed. Make sure no pulumi or pulumi-acp command runs on this stack, then clear the lock: ${clear}`
        : `stack ${stack} is held by ${what} (${who}): another command is applying it. Try again when it ends, or wait for it with --wait-for-lock SECONDS`,
    );
    this.name = "StackLockedError";
    this.heldBy = `${what} (${who})`;
  }

  /** True for a StackLockedError of any copy of this module. */
  static isInstance(err: unknown): err is StackLockedError {
    return (err as { code?: unknown } | null)?.code === "stack_locked";
  }
}

/** The error for a live fast run recorded in the backend. */
export function lockedByRecord(stack: string, record: FastRunRecord): StackLockedError {
  return new StackLockedError(stack, {
    kind: "fast-run",
    host: record.host,
    pid: record.pid,
    since: record.startedAt,
    stale: false,
  });
}

const ENGINE_LOCKED = /the stack is currently locked by \d+ lock/;
const LOCK_LINE = /created by (\S+?)@(\S+) \(pid (\d+)\) at ([^\n]+)/;

/**
 * The error for an engine operation refused because the engine's lock is held, or undefined
 * when `err` is something else. `clear`: the command line that releases a stale lock.
 */
export function lockedFromEngine(
  err: unknown,
  stack: string,
  clear: string,
): StackLockedError | undefined {
  const text = err instanceof Error ? err.message : String(err);
  if (!ENGINE_LOCKED.test(text)) return undefined;
  const line = LOCK_LINE.exec(text);
  const host = line?.[2] ?? "unknown host";
  const pid = Number(line?.[3] ?? 0);
  const stale = host === os.hostname() && pid > 0 && !processAlive(pid);
  return new StackLockedError(
    stack,
    { kind: "engine", user: line?.[1], host, pid, since: line?.[4]?.trim() ?? "unknown", stale },
    clear,
  );
}

/**
 * Runs `attempt`; while it fails with {@link StackLockedError} and `waitSeconds` allows, says so
 * once and tries again every {@link LOCK_POLL_MS}. A stale lock is never waited for: it does not
 * go away by itself.
 */
export async function retryWhileLocked<T>(
  waitSeconds: number | undefined,
  say: (line: string) => void,
  attempt: () => Promise<T>,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<T> {
  const deadline = Date.now() + (waitSeconds ?? 0) * 1000;
  let told = false;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (!StackLockedError.isInstance(err) || err.holder.stale || Date.now() >= deadline) {
        throw err;
      }
      if (!told) {
        say(
          `stack ${err.stackName} is held by ${err.heldBy}: waiting up to ${waitSeconds} s for it`,
        );
        told = true;
      }
      await sleep(Math.min(LOCK_POLL_MS, Math.max(0, deadline - Date.now())));
    }
  }
}

/**
 * The command line that clears the engine's lock of a sprint stack (`pulumi cancel`), with the
 * backend settings the command used when it keeps the state itself.
 */
export function clearLockCommand(
  project: string,
  stack: string,
  engineEnv: Record<string, string>,
  ownBackend: boolean,
  cloud: boolean,
): string {
  const prefix = ownBackend
    ? `PULUMI_BACKEND_URL=${engineEnv.PULUMI_BACKEND_URL} PULUMI_HOME=${engineEnv.PULUMI_HOME} `
    : "";
  const name = cloud ? `<your-org>/${project}/${stack}` : `organization/${project}/${stack}`;
  return `${prefix}pulumi cancel --yes --stack ${name}`;
}
