/**
 * Fast runs of `pulumi-acp up|destroy`: the engine writes the state once, at the end, instead of
 * after every step (PULUMI_SKIP_CHECKPOINTS=true). On the DIY backends every checkpoint rewrites
 * the whole state, so a run of N tasks costs N rewrites of an N-resource file; a fast run saves
 * them (BENCHMARKS.md). The price: a run killed mid-way has recorded nothing of what it did. So a
 * fast run records itself in the backend while it runs (./fast-record.ts), and the next command
 * that finds the record, on any runner, repairs the stack before anything else (./recover.ts).
 *
 * This file: the mode's settings, and the fast-run file `./.pulumi/fast-runs/<stack>.json` of the
 * working directory, a mirror of the run that also carries the tasks a repair found for the
 * provider to adopt (the only record on a CLI whose backend has no stack tags).
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { z } from "zod";
import { ADOPT_FILE_ENV, RUN_ID_ENV } from "../core/run-tag";
import { UsageError } from "./args";

/**
 * Environment variable that sets the mode of `up` and `destroy` when the command line does not
 * (`0`/`false`: a checkpoint after every step; `1`/`true`, empty or unset: fast). The command
 * line wins: `--fast` or `--no-fast`.
 */
export const FAST_ENV = "PULUMI_ACP_FAST";

/** The engine's own switch: write the checkpoint only at the end of the operation. */
export const SKIP_CHECKPOINTS_ENV = "PULUMI_SKIP_CHECKPOINTS";

/** What a fast-run file records: enough to say what was interrupted, and to repair it. */
export const FastRunFile = z.object({
  /** The Pulumi project and stack. */
  project: z.string(),
  stack: z.string(),
  /** `up` or `destroy`. */
  command: z.string(),
  /** Random 32 hex digits; the run tag of each task the run creates names it. */
  runId: z.string().regex(/^[0-9a-f]{32}$/),
  /** ISO 8601. */
  startedAt: z.string(),
  /** The pulumi-acp process and its machine: a live run is never "repaired" under itself. */
  pid: z.number().int(),
  host: z.string(),
  /** Where the state is (the label the command prints). */
  backend: z.string(),
  /** Set by a repair: resource key → id of a task the killed run created, for the next up. */
  adopt: z.record(z.string(), z.string()).optional(),
});
/** See {@link FastRunFile}. */
export type FastRunFile = z.infer<typeof FastRunFile>;

/**
 * Whether this command runs fast: `--fast`/`--no-fast`, else {@link FAST_ENV}, else yes. Fast is
 * the default since a killed fast run is repaired from any runner that shares the backend
 * (./fast-record.ts), and it is no slower on a small sprint (README, "Fast applies").
 */
export function fastWanted(flag: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  if (flag !== undefined) return flag;
  const value = env[FAST_ENV]?.trim().toLowerCase();
  if (value === undefined || value === "" || value === "1" || value === "true") return true;
  if (value === "0" || value === "false") return false;
  throw new UsageError(
    `${FAST_ENV}=${env[FAST_ENV]} is not a switch: set it to false or 0 (a checkpoint after every step), true or 1, or unset it (fast)`,
  );
}

/** The fast-run file of a stack, under `cwd`. */
export function fastRunFilePath(cwd: string, stack: string): string {
  return path.join(cwd, ".pulumi", "fast-runs", `${encodeURIComponent(stack)}.json`);
}

/** A new run id: 128 random bits, which no one else's task metadata can name by chance. */
export function newFastRunId(): string {
  return randomBytes(16).toString("hex");
}

/** The fast-run file's content for a new (or continued) run of this process. */
export function fastRunFileFor(
  fields: Pick<FastRunFile, "project" | "stack" | "command" | "runId" | "backend" | "adopt">,
): FastRunFile {
  return {
    ...fields,
    startedAt: new Date().toISOString(),
    pid: process.pid,
    host: os.hostname(),
  };
}

/** Writes the fast-run file atomically (a kill mid-write leaves the old one or the new one). */
export function writeFastRunFile(file: string, fastRun: FastRunFile): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(FastRunFile.parse(fastRun), null, 2)}\n`);
  fs.renameSync(temp, file);
}

/** The stack's fast-run file, or undefined when there is none. Throws when it cannot be read. */
export function readFastRunFile(file: string): FastRunFile | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = FastRunFile.safeParse(json);
  if (!parsed.success) {
    throw new Error(
      `the fast-run marker ${file} cannot be read (not a marker this version wrote): if no pulumi-acp command is running on this stack, delete it and run \`pulumi-acp refresh\``,
    );
  }
  return parsed.data;
}

/** Removes the fast-run file: the run it records ended and the state says all it did. */
export function removeFastRunFile(file: string): void {
  fs.rmSync(file, { force: true });
}

/**
 * The engine environment of a run. `fast`: no intermediate checkpoints. `runId`: the provider
 * marks the tasks it creates with it, and adopts those the fast-run file lists.
 */
export function fastEngineEnv(opts: {
  fast: boolean;
  runId?: string;
  fastRunFile?: string;
}): Record<string, string> {
  const env: Record<string, string> = {};
  if (opts.fast) env[SKIP_CHECKPOINTS_ENV] = "true";
  if (opts.runId) env[RUN_ID_ENV] = opts.runId;
  if (opts.runId && opts.fastRunFile) env[ADOPT_FILE_ENV] = opts.fastRunFile;
  return env;
}

/** Whether the process `pid` of this machine still runs. */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
