/**
 * Finding and stopping the processes an Automation API operation starts: the `pulumi` CLI is a
 * child of this (jest worker) process, and the engine starts plugin processes under it. Linux
 * only (reads /proc); every process is addressed by its id, never by name.
 */
import * as fs from "node:fs";
import type { Emulator } from "pulumi-acp/emulator";

/** A running process: its id, its parent's id and its command line. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  args: string[];
}

/** Every process that /proc shows, with its parent and command line. */
export function listProcesses(): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
      // The command name in parentheses may hold spaces: the parent id follows the last ")".
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const args = fs.readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").filter(Boolean);
      out.push({ pid: Number(name), ppid, args });
    } catch {
      // the process ended while we read it
    }
  }
  return out;
}

/** The descendants of `pid` (children, their children, ...), at the time of the call. */
export function descendantsOf(pid: number, all: ProcessInfo[] = listProcesses()): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift() as number;
    for (const p of all) {
      if (p.ppid === parent) {
        found.push(p);
        queue.push(p.pid);
      }
    }
  }
  return found;
}

/** Whether a process with this id still runs (a zombie counts as ended). */
export function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Sends `signal` to one process by id; false when it had already ended. */
export function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Polls `condition` every `intervalMs` until it holds or `timeoutMs` passes; true if it held. */
export async function waitFor(
  condition: () => boolean,
  timeoutMs: number,
  intervalMs = 50,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return condition();
}

/**
 * The `pulumi <verb>` CLI that this process started since `before` (the process ids running
 * then): the engine of an Automation API operation in flight.
 */
export function pulumiCliStartedSince(
  before: ReadonlySet<number>,
  verb: string,
): ProcessInfo | undefined {
  return listProcesses().find(
    (p) =>
      p.ppid === process.pid &&
      !before.has(p.pid) &&
      p.args.some((a) => a === "pulumi" || a.endsWith("/pulumi")) &&
      p.args.includes(verb),
  );
}

/** SIGKILLs a process and every process under it (the engine and its plugins). */
export function killTree(pid: number): void {
  const tree = descendantsOf(pid);
  signalProcess(pid, "SIGKILL");
  for (const p of tree) if (isAlive(p.pid)) signalProcess(p.pid, "SIGKILL");
}

/** Polls until the emulator has no connection open (bounded by `timeoutMs`); true if so. */
export async function connectionsClosed(emulator: Emulator, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<number>((resolve) =>
      emulator.server.getConnections((err, n) => resolve(err ? -1 : n)),
    );
    if (open === 0) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * After the processes that sent held requests were killed: waits until every connection of
 * theirs has closed (each request they sent has arrived and been counted as held), lets the held
 * requests go on (the API acts; the answers are lost) and waits until the emulator has handled
 * all of them, `answeredBefore` plus the held ones. Returns how many were held; throws when the
 * emulator does not get there within a minute.
 */
export async function releaseHeldAfterKill(
  emulator: Emulator,
  answeredBefore: number,
): Promise<number> {
  if (!(await connectionsClosed(emulator, 60_000))) {
    throw new Error("the killed processes' connections to the emulator did not close");
  }
  const held = emulator.stats().faultsInjected.held;
  emulator.setFaults(undefined);
  const handled = await waitFor(
    () => emulator.stats().totalRequests === answeredBefore + held,
    60_000,
    50,
  );
  if (!handled) throw new Error(`the emulator did not handle the ${held} held request(s)`);
  return held;
}
