/**
 * Progress of long operations (an async agent run being polled, a thread waiting for its
 * task's dependencies), shown by the engine as the resource's status while the operation runs,
 * and notes the engine keeps (a run that a delete only forgets).
 *
 * The core reports through {@link reportProgress} and {@link reportNote} without knowing who
 * listens: each front door runs every create, update and delete inside {@link withProgressTarget} (which resource it is), and
 * installs a sink once per process ({@link setProgressSink}; the doors use the engine's log,
 * see ../doors/engine-log.ts). Operations of several resources run at once in one provider process; the
 * target follows each one through its awaits.
 *
 * Messages carry ids, statuses and durations only, never inputs or answers' contents.
 */
import { AsyncLocalStorage } from "node:async_hooks";

/** The resource an operation is for. */
export interface ProgressTarget {
  /** The resource's URN when the door knows it (the plugin), else "". */
  urn: string;
  /** The resource's name, put in front of messages that have no URN to carry it. */
  name?: string;
}

/**
 * Where progress goes. Must not throw; may drop messages. `ephemeral`: the resource's status
 * while it works (replaced by the next one); otherwise a note the engine keeps in its output.
 */
export type ProgressSink = (
  target: ProgressTarget,
  message: string,
  options: { ephemeral: boolean },
) => void;

const current = new AsyncLocalStorage<ProgressTarget>();
let sink: ProgressSink | undefined;

/** Sets (or, with undefined, removes) this process's progress sink. Returns the previous one. */
export function setProgressSink(next: ProgressSink | undefined): ProgressSink | undefined {
  const previous = sink;
  sink = next;
  return previous;
}

/** Runs `operation` with `target` as the resource that its progress reports are about. */
export function withProgressTarget<T>(target: ProgressTarget, operation: () => T): T {
  return current.run(target, operation);
}

/**
 * Reports `message` as the current operation's resource's status while it works; nothing
 * outside an operation.
 */
export function reportProgress(message: string): void {
  send(message, true);
}

/**
 * Reports `message` about the current operation's resource as a note the engine keeps in its
 * output (e.g. that a delete only forgets); nothing outside an operation.
 */
export function reportNote(message: string): void {
  send(message, false);
}

function send(message: string, ephemeral: boolean): void {
  const target = current.getStore();
  if (target === undefined || sink === undefined) return;
  try {
    sink(target, message, { ephemeral });
  } catch {
    // Progress is best effort: it never fails the operation.
  }
}

/** `95` → "1m35s"; `12` → "12s". */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
}

/**
 * A reporter for one wait: says when the status changes, and otherwise at most every
 * `everySeconds`, with the time waited so far and the time allowed.
 */
export function waitReporter(
  what: string,
  limitSeconds: number,
  everySeconds = 30,
  now: () => number = Date.now,
): (status: string) => void {
  const started = now();
  let lastStatus: string | undefined;
  let lastAt = 0;
  return (status) => {
    const at = now();
    if (status === lastStatus && at - lastAt < everySeconds * 1000) return;
    lastStatus = status;
    lastAt = at;
    reportProgress(
      `${what}: ${status} (${formatSeconds((at - started) / 1000)} of ${formatSeconds(limitSeconds)})`,
    );
  };
}
