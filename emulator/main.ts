#!/usr/bin/env node
/**
 * `acp-emulator`: runs the ACP API emulator until SIGINT or SIGTERM.
 *
 *   acp-emulator [--port 8787] [--host 127.0.0.1] [--token T] [--budget USD] [--latency MS]
 *                [--data FILE] [--agent-duration MS] [--agent-fail] [API variant flags]
 *
 * The API variant flags make it break one assumption of the contract at a time (see
 * emulator/variants.ts), for testing what depends on it, such as `pulumi-acp doctor`.
 *
 * The token defaults to ACP_EMULATOR_TOKEN, else "test-token". Prints one line,
 * `acp-emulator listening on http://HOST:PORT`. An unknown flag prints the usage and exits 2.
 */
import { parseArgs } from "node:util";
import { createEmulator } from "./app";

const USAGE = `usage: acp-emulator [options]
  --port N              port to listen on (default 8787; 0 picks a free port)
  --host HOST           address to listen on (default 127.0.0.1)
  --token TOKEN         bearer token required on /v1 (default $ACP_EMULATOR_TOKEN, else test-token)
  --budget USD          account budget (default 100)
  --latency MS          latency added before every answer (default 0)
  --data FILE           persist the store to FILE (and its journal FILE.journal), reload on start
  --agent-duration MS   time a synchronous agent run takes (default 0)
  --agent-fail          every agent run fails
  -h, --help            this text
API variants (each breaks one assumption of the contract):
  --no-idempotency-replay     act again on a repeated Idempotency-Key
  --no-replayed-header        replay without the Idempotent-Replayed header
  --patch-refuses-null        PATCH /v1/tasks/{id} answers 422 to null
  --patch-refuses-in-review   PATCH /v1/tasks/{id} answers 422 to status in_review
  --list-envelope data        GET /v1/tasks answers {data, next_cursor}
  --delete-status 200         DELETE answers 200 with a body instead of 204
  --no-conflict-reason        409 bodies without reason
  --no-validation-field       400/422 bodies without field
  --no-retry-after            429 without Retry-After
  --deleted-task-status 410   a deleted task answers 410 instead of 404
  --metadata-strings          metadata keeps strings only (other values as JSON text)
  --clock-offset=MS           the server's clock runs MS ahead (negative: behind)`;

function usageError(message: string): never {
  process.stderr.write(`acp-emulator: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function numberFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0) {
    usageError(`--${name} must be a non-negative number`);
  }
  return n;
}

function choiceFlag<const T extends string>(
  name: string,
  value: string | undefined,
  choices: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value)) {
    usageError(`--${name} must be one of ${choices.join(", ")}`);
  }
  return value as T;
}

function offsetFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) usageError(`--${name} must be a number of ms`);
  return n;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: "string" },
        host: { type: "string" },
        token: { type: "string" },
        budget: { type: "string" },
        latency: { type: "string" },
        data: { type: "string" },
        "agent-duration": { type: "string" },
        "agent-fail": { type: "boolean" },
        "no-idempotency-replay": { type: "boolean" },
        "no-replayed-header": { type: "boolean" },
        "patch-refuses-null": { type: "boolean" },
        "patch-refuses-in-review": { type: "boolean" },
        "list-envelope": { type: "string" },
        "delete-status": { type: "string" },
        "no-conflict-reason": { type: "boolean" },
        "no-validation-field": { type: "boolean" },
        "no-retry-after": { type: "boolean" },
        "deleted-task-status": { type: "string" },
        "metadata-strings": { type: "boolean" },
        "clock-offset": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    usageError((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  // An empty variable counts as unset.
  const envToken = process.env.ACP_EMULATOR_TOKEN || undefined;
  const emulator = createEmulator({
    token: values.token ?? envToken ?? "test-token",
    budget: numberFlag("budget", values.budget),
    latencyMs: numberFlag("latency", values.latency),
    dataFile: values.data,
    agent: {
      durationMs: numberFlag("agent-duration", values["agent-duration"]),
      fail: values["agent-fail"] ?? false,
    },
    idempotencyReplay: !values["no-idempotency-replay"],
    replayedHeader: !values["no-replayed-header"],
    patchAcceptsNull: !values["patch-refuses-null"],
    patchAcceptsInReview: !values["patch-refuses-in-review"],
    listEnvelope: choiceFlag("list-envelope", values["list-envelope"], ["tasks", "data"] as const),
    deleteStatus: choiceFlag("delete-status", values["delete-status"], ["204", "200"] as const)
      ? (Number(values["delete-status"]) as 204 | 200)
      : undefined,
    conflictReason: !values["no-conflict-reason"],
    validationField: !values["no-validation-field"],
    retryAfter: !values["no-retry-after"],
    deletedTaskStatus: choiceFlag("deleted-task-status", values["deleted-task-status"], [
      "404",
      "410",
    ] as const)
      ? (Number(values["deleted-task-status"]) as 404 | 410)
      : undefined,
    metadataStrings: values["metadata-strings"] ?? false,
    clockOffsetMs: offsetFlag("clock-offset", values["clock-offset"]),
  });
  const url = await emulator.listen(
    numberFlag("port", values.port) ?? 8787,
    values.host ?? "127.0.0.1",
  );
  process.stdout.write(`acp-emulator listening on ${url}\n`);
  const stop = () => {
    emulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`acp-emulator: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`acp-emulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
