/**
 * The `pulumi-acp` command line: commands, options and the usage text, parsed strictly so that
 * a misspelt option is a usage error (exit code 2), never silently ignored.
 */
import { parseArgs } from "node:util";
import type { SprintDesign } from "../components/sprint-file";

/** The sprint commands: what each does to the stack. */
export const SPRINT_COMMANDS = {
  up: "create, update and delete tasks and threads until the API matches the sprint file",
  preview: "show what `up` would change, changing nothing",
  refresh: "read the stack's tasks and threads back from the API and record any drift",
  destroy: "delete every task and thread the stack manages",
} as const;
/** One of {@link SPRINT_COMMANDS}. */
export type SprintCommand = keyof typeof SPRINT_COMMANDS;

/** Exit codes of every `pulumi-acp` command, which a CI job can rely on. */
export const EXIT = {
  /** Done; for `doctor`: every check that ran holds. */
  ok: 0,
  /**
   * The command ran and failed (the engine, the API, the sprint file); for `doctor`: something
   * the provider cannot work around differs, a check could not tell, or cleanup left something.
   */
  failure: 1,
  /** The command line (or the configuration) is wrong: nothing was done. */
  usage: 2,
  /** `--expect-no-changes`, and something changed or would change. */
  changes: 3,
  /** `doctor`: only assumptions with a documented fallback differ. */
  fallback: 4,
  /**
   * Another run holds the stack (a live fast run's record, or the engine's lock), or a killed
   * run's lock is left over: nothing was done; the message names the holder (./state-lock.ts).
   */
  locked: 5,
  /**
   * Interrupted (Ctrl-C). `doctor`: the scratch area was cleaned; `up`, `destroy`: the engine
   * finished the operations in flight and recorded them.
   */
  interrupted: 130,
} as const;

/** Sprint file names looked for in the current directory when none is given. */
export const DEFAULT_SPRINT_FILES = ["sprint.yaml", "sprint.yml", "sprint.json"];

/** A command line the command does not understand; `main` prints it with the usage hint. */
export class UsageError extends Error {
  readonly code = "usage";
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** What a sprint command line asks for. */
export interface SprintOptions {
  command: SprintCommand;
  /** The sprint file as given (resolved against the working directory later), if any. */
  sprintFile?: string;
  stack: string;
  baseUrl?: string;
  expectNoChanges: boolean;
  yes: boolean;
  /** `--fast` (true) or `--no-fast` (false); undefined: PULUMI_ACP_FAST, else fast (./fast.ts). */
  fast?: boolean;
  /** `--wait-for-lock SECONDS`: wait that long for another run on the stack to end. */
  waitForLock?: number;
  /**
   * `--bulk` (`sprint`) or `--per-task` (`task`): overrides the sprint file's `resource`;
   * undefined: the file's, else `task`.
   */
  design?: SprintDesign;
}

/** The usage text of `pulumi-acp --help`. */
export function usage(version: string): string {
  const width = Math.max(...Object.keys(SPRINT_COMMANDS).map((c) => c.length), "doctor".length);
  const commands = Object.entries(SPRINT_COMMANDS)
    .map(([name, what]) => `  ${name.padEnd(width)}  ${what}`)
    .join("\n");
  return `pulumi-acp ${version}: ACP tasks, dependencies and threads as code, from a sprint file.

Usage:
  pulumi-acp up|preview|refresh|destroy [SPRINT_FILE] [options]
  pulumi-acp doctor [options]     (pulumi-acp doctor --help for its options)

Commands:
${commands}
  ${"doctor".padEnd(width)}  check an ACP API against every assumption the provider makes

SPRINT_FILE: a sprint in YAML or JSON; default ./sprint.yaml (or sprint.yml, sprint.json).

Options:
  --stack NAME         the stack (default: dev); one sprint file can have many stacks
  --base-url URL       the ACP API (default: ACP_BASE_URL; without either, an emulator embedded
                       in this command, its store in ./.acp/emulator.json)
  --expect-no-changes  exit with code 3 when anything changed or would change (for CI)
  --yes, -y            do not ask before up or destroy on a terminal
  --fast               up, destroy (the default): write the state once at the end instead of
                       after every task (much faster; a killed run is repaired by the next
                       command, on any machine that shares the backend)
  --no-fast            write the state after every task instead
  --bulk               up, preview: declare the tasks as one Sprint resource (the provider
                       applies the whole graph in one engine step), whatever the sprint file's
                       \`resource:\` says; threads and runs stay one resource each
  --per-task           up, preview: one resource per task (the default), whatever the file says
  --wait-for-lock SECONDS
                       when another run holds the stack, wait up to SECONDS for it to end
                       (default: exit at once with code 5, naming the holder)
  --help, -h           this text
  --version            the package version

Environment:
  ACP_BASE_URL, ACP_API_TOKEN          a real ACP API and its token (never written to state)
  ACP_TIMEOUT_MS, ACP_MAX_RETRIES, ACP_ALLOW_INSECURE_HTTP   client settings (see README)
  PULUMI_ACP_FAST=false                --no-fast by default for up and destroy
  PULUMI_ACP_SDK_DEBUG=1               send the Node SDK's debug lines to the engine (left out)
  PULUMI_BACKEND_URL, PULUMI_ACCESS_TOKEN, PULUMI_CONFIG_PASSPHRASE
                                       a real Pulumi backend (or a logged-in Pulumi); without
                                       them the state is in ./.pulumi of the current directory

Moving a stack between the designs: an up in the other design (--bulk on a stack of
one resource per task, or --per-task on a stack holding a Sprint) adopts every task of the
sprint file by the id the state holds: no task is created again, no thread or run is
started again, and the old records leave the state without a DELETE to the API.

Exit codes: 0 ok, 1 failure, 2 usage error, 3 changes found with --expect-no-changes,
            5 the stack is held by another run (or a killed run's lock is left over),
            130 interrupted (Ctrl-C); doctor: 4 only assumptions with a fallback differ.
`;
}

/** Parses a sprint command's arguments (after the command word). Throws {@link UsageError}. */
export function parseSprintArgs(command: SprintCommand, argv: string[]): SprintOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        stack: { type: "string" },
        "base-url": { type: "string" },
        "expect-no-changes": { type: "boolean" },
        yes: { type: "boolean", short: "y" },
        fast: { type: "boolean" },
        "no-fast": { type: "boolean" },
        "wait-for-lock": { type: "string" },
        bulk: { type: "boolean" },
        "per-task": { type: "boolean" },
      },
    });
  } catch (err) {
    // node:util's own words ("Unknown option '--bogus'"), with what to do.
    throw new UsageError(`${(err as Error).message.replace(/\. To specify.*$/s, "")}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) {
    throw new UsageError(
      `${command} takes one sprint file, got ${positionals.length}: ${positionals.join(" ")}`,
    );
  }
  const nonBlank = (name: string, v: string | undefined) => {
    if (v !== undefined && v.trim() === "") throw new UsageError(`--${name} needs a value`);
    return v;
  };
  if (values.fast && values["no-fast"]) {
    throw new UsageError("--fast and --no-fast contradict each other: give one of them");
  }
  const fast = values.fast ? true : values["no-fast"] ? false : undefined;
  if (fast && command !== "up" && command !== "destroy") {
    throw new UsageError(
      `--fast applies to up and destroy only (${command} writes no state per task): remove it`,
    );
  }
  const design = designOf(command, values.bulk, values["per-task"]);
  const wait = nonBlank("wait-for-lock", values["wait-for-lock"]);
  const waitForLock = wait === undefined ? undefined : Number(wait);
  if (waitForLock !== undefined && !(Number.isFinite(waitForLock) && waitForLock >= 0)) {
    throw new UsageError(
      `--wait-for-lock ${wait}: give the seconds to wait for another run on the stack, a number of 0 or more`,
    );
  }
  return {
    command,
    sprintFile: positionals[0],
    stack: nonBlank("stack", values.stack) ?? "dev",
    baseUrl: nonBlank("base-url", values["base-url"]),
    expectNoChanges: values["expect-no-changes"] ?? false,
    yes: values.yes ?? false,
    ...(fast !== undefined ? { fast } : {}),
    ...(waitForLock !== undefined ? { waitForLock } : {}),
    ...(design !== undefined ? { design } : {}),
  };
}

/** The design `--bulk` or `--per-task` asks for, if any (see {@link SprintOptions.design}). */
function designOf(
  command: SprintCommand,
  bulk: boolean | undefined,
  perTask: boolean | undefined,
): SprintDesign | undefined {
  if (bulk && perTask) {
    throw new UsageError("--bulk and --per-task contradict each other: give one of them");
  }
  if (!bulk && !perTask) return undefined;
  const flag = bulk ? "--bulk" : "--per-task";
  if (command !== "up" && command !== "preview") {
    throw new UsageError(
      `${flag} applies to up and preview only (${command} works on what the state holds, in either design): remove it`,
    );
  }
  return bulk ? "sprint" : "task";
}
