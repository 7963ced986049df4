/**
 * `pulumi-acp doctor`: checks a real ACP API against every assumption the provider makes (the
 * routes and conventions of provider/client/schemas/routes.ts), before anything of a team's is
 * touched. It works in a scratch area of its own (tasks titled and tagged as the doctor's),
 * deletes it at the end even when a check fails or the run is interrupted, and removes what a
 * killed run left.
 */
import { parseArgs } from "node:util";
import { ConfigurationError, resolveConfig } from "../../client";
import { createCheckContext, ROUTE_CHECKS, routeLabel, runChecks, type CheckRow } from "./checks";
import { ApiSession } from "./http";
import { redactor } from "../../client/redact";
import { EXIT } from "../args";
import { exitCodeOf, renderJson, renderTable } from "./report";
import {
  newRunId,
  SCRATCH_TAG,
  SCRATCH_TITLE_PREFIX,
  ScratchArea,
  type CleanupReport,
} from "./scratch";

/** Where the doctor writes, what it reads its settings from, and whether stdout is a terminal. */
export interface DoctorIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** ACP_BASE_URL, ACP_API_TOKEN, ACP_TIMEOUT_MS, ACP_ALLOW_INSECURE_HTTP; NO_COLOR. */
  env: NodeJS.ProcessEnv;
  /** Colour the table (unless NO_COLOR is set). Default false. */
  isTTY?: boolean;
}

/** The doctor's usage text, printed by --help and after a bad argument. */
export const DOCTOR_USAGE = `usage: pulumi-acp doctor [--base-url URL] [--project ID] [--json] [--read-only]

Checks the ACP API at ACP_BASE_URL (or --base-url) with the token in ACP_API_TOKEN against every
assumption pulumi-acp makes, one row per route or rule.

  --base-url URL   the API's base URL (default: $ACP_BASE_URL)
  --project ID     make the scratch tasks in this project, and list only it
  --json           print the report as JSON
  --read-only      run only the checks that write nothing
  -h, --help       this text

Exit codes: 0 every check holds; 1 something pulumi-acp cannot work around differs (or a check
could not tell); 4 only assumptions with a documented fallback differ; 2 bad arguments;
130 interrupted.`;

function describeCleanup(what: string, report: CleanupReport): string[] {
  const lines: string[] = [];
  if (report.tasksDeleted + report.threadsDeleted > 0) {
    lines.push(
      `${what}: deleted ${report.tasksDeleted} task(s) and ${report.threadsDeleted} thread(s)`,
    );
  }
  for (const left of report.left) lines.push(`${what}: left behind: ${left}`);
  return lines;
}

/** The doctor's options and settings, or the exit code of a bad command line. */
function doctorSettings(argv: string[], io: DoctorIo) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        "base-url": { type: "string" },
        project: { type: "string" },
        json: { type: "boolean" },
        "read-only": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    io.stderr.write(`pulumi-acp doctor: ${(error as Error).message}\n${DOCTOR_USAGE}\n`);
    return EXIT.usage;
  }
  if (values.help) {
    io.stdout.write(`${DOCTOR_USAGE}\n`);
    return EXIT.ok;
  }
  const projectId = values.project;
  if (projectId !== undefined && projectId.trim() === "") {
    io.stderr.write(
      "pulumi-acp doctor: --project must name a project id; leave it out to use none\n",
    );
    return EXIT.usage;
  }
  try {
    const config = resolveConfig({ baseUrl: values["base-url"] }, io.env);
    if (config.token === undefined) {
      throw new ConfigurationError("no ACP API token: set the ACP_API_TOKEN environment variable");
    }
    return { values, projectId, config, token: config.token };
  } catch (error) {
    if (!ConfigurationError.isInstance(error)) throw error;
    io.stderr.write(`pulumi-acp doctor: ${error.message}\n`);
    return EXIT.usage;
  }
}

/** What the doctor is about to do, and what it leaves out. */
function announce(
  say: (line: string) => void,
  where: { baseUrl: string; projectId?: string; readOnly: boolean; runId: string },
): void {
  const { baseUrl, projectId, readOnly, runId } = where;
  const paid = (Object.keys(ROUTE_CHECKS) as (keyof typeof ROUTE_CHECKS)[])
    .filter((name) => "costs" in ROUTE_CHECKS[name])
    .map(routeLabel);
  say(`pulumi-acp doctor: checking ${baseUrl}${projectId ? ` (project ${projectId})` : ""}`);
  if (readOnly) {
    say(
      "  --read-only: only the checks that write nothing; nothing is created, changed or deleted",
    );
  } else {
    say(
      `  It works in a scratch area: up to 4 tasks titled "${SCRATCH_TITLE_PREFIX} …" and tagged` +
        ` in metadata "${SCRATCH_TAG}": "${runId}", and 2 threads without content (they cost nothing).` +
        " It deletes them when it ends, even when a check fails or on Ctrl-C, and first removes what an" +
        " earlier run left (recognised by title and tag; nothing else is touched).",
    );
  }
  say(`  Skipped, because they cost budget: ${paid.join(", ")}`);
}

/**
 * Runs `pulumi-acp doctor` with these arguments (those after `doctor`) and returns its exit code
 * (see {@link EXIT}). The token is read from `io.env.ACP_API_TOKEN` only, never from an argument,
 * and is never written.
 */
export async function runDoctor(argv: string[], io: DoctorIo): Promise<number> {
  const settings = doctorSettings(argv, io);
  if (typeof settings === "number") return settings;
  const { values, projectId, config, token } = settings;
  // The last guard before anything is written: the token in every form it could come back in.
  const redact = redactor([token]);
  const say = (line: string): void => void io.stderr.write(redact(`${line}\n`));
  const readOnly = values["read-only"] === true;

  const runId = newRunId();
  const scratch = new ScratchArea(runId, projectId);
  const interrupt = new AbortController();
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts === 1) {
      say(
        "pulumi-acp doctor: interrupted; deleting the scratch area (Ctrl-C again to leave it to the next run)",
      );
      interrupt.abort();
    } else {
      process.off("SIGINT", onSigint);
      process.kill(process.pid, "SIGINT");
    }
  };
  process.on("SIGINT", onSigint);

  announce(say, { baseUrl: config.baseUrl, projectId, readOnly, runId });

  const session = new ApiSession(config.baseUrl, token, config.timeoutMs, interrupt.signal);
  // Cleanup runs outside the interrupt: Ctrl-C stops the checks, not the deleting.
  const cleanupSession = new ApiSession(
    config.baseUrl,
    token,
    config.timeoutMs,
    new AbortController().signal,
  );
  const empty: CleanupReport = { tasksDeleted: 0, threadsDeleted: 0, left: [] };
  let leftovers = empty;
  let cleanup = empty;
  let rows: CheckRow[];
  let interrupted = false;
  try {
    if (!readOnly) {
      leftovers = await new ScratchArea(runId, projectId).clean(cleanupSession, true);
      for (const line of describeCleanup("earlier runs", leftovers)) say(`  ${line}`);
    }
    const ctx = createCheckContext(session, scratch, { readOnly, projectId });
    ({ rows, interrupted } = await runChecks(ctx));
  } finally {
    if (!readOnly) cleanup = await scratch.clean(cleanupSession, false);
    process.off("SIGINT", onSigint);
    await session.close();
    await cleanupSession.close();
  }
  for (const line of describeCleanup("this run", cleanup)) say(`  ${line}`);
  if (cleanup.left.length > 0) say("  The next doctor run removes what is left.");

  let exitCode = exitCodeOf(rows);
  if (cleanup.left.length > 0 && exitCode !== EXIT.failure) exitCode = EXIT.failure;
  if (interrupted) exitCode = EXIT.interrupted;
  const colour = io.isTTY === true && !io.env.NO_COLOR;
  const text = values.json
    ? renderJson({
        baseUrl: config.baseUrl,
        ...(projectId ? { projectId } : {}),
        readOnly,
        runId,
        exitCode,
        interrupted,
        rows,
        cleanup,
        leftovers,
      })
    : renderTable(rows, exitCode, colour);
  io.stdout.write(redact(text));
  return exitCode;
}
