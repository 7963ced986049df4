#!/usr/bin/env node
/**
 * `pulumi-acp`: the package's command. `up|preview|refresh|destroy [SPRINT_FILE]` apply a sprint
 * file through the real Pulumi engine (./sprint.ts); `doctor` checks an ACP API against every
 * assumption the provider makes (./doctor.ts). `pulumi-acp --help` lists everything; exit codes
 * in {@link EXIT}.
 */
import { VERSION } from "../client/version";
import { SprintFileError } from "../components";
import {
  EXIT,
  parseSprintArgs,
  SPRINT_COMMANDS,
  usage,
  UsageError,
  type SprintCommand,
} from "./args";
import { runDoctor } from "./doctor";
import { oneLine } from "./engine";
import { exitAfterOutput } from "./exit";
import { runSprintCommand, type CommandIo } from "./sprint";
import { retryWhileLocked, StackLockedError } from "./state-lock";

/** Runs the command line `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: string[], io: CommandIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === "--help" || command === "-h" || command === "help") {
      io.stdout.write(usage(VERSION));
      return command === undefined ? EXIT.usage : EXIT.ok;
    }
    if (command === "--version") {
      io.stdout.write(`${VERSION}\n`);
      return EXIT.ok;
    }
    if (command === "doctor") {
      return await runDoctor(rest, { ...io, isTTY: io.interactive });
    }
    if (command in SPRINT_COMMANDS) {
      if (rest.includes("--help") || rest.includes("-h")) {
        io.stdout.write(usage(VERSION));
        return EXIT.ok;
      }
      const opts = parseSprintArgs(command as SprintCommand, rest);
      return await retryWhileLocked(
        opts.waitForLock,
        (line) => io.stderr.write(`${line}\n`),
        () => runSprintCommand(opts, io),
      );
    }
    throw new UsageError(
      `unknown command "${command}": use one of ${[...Object.keys(SPRINT_COMMANDS), "doctor"].join(", ")}`,
    );
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(
        `error: ${err.message}\n(pulumi-acp --help lists the commands and options)\n`,
      );
      return EXIT.usage;
    }
    if (StackLockedError.isInstance(err)) {
      io.stderr.write(`error: ${err.message}\n`);
      return EXIT.locked;
    }
    // A sprint file's problems are one line each, already naming file, task and field.
    const lines = SprintFileError.isInstance(err) ? err.problems : [oneLine(err)];
    io.stderr.write(`${lines.map((l) => `error: ${l}`).join("\n")}\n`);
    return EXIT.failure;
  }
}

if (require.main === module) {
  main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
  }).then((code) => exitAfterOutput(code));
}
