#!/usr/bin/env node
/**
 * `acp-emulator`: runs the ACP API emulator until SIGINT or SIGTERM.
 *
 *   acp-emulator [--port 8787] [--host 127.0.0.1] [--token T] [--budget USD] [--latency MS]
 *                [--data FILE] [--agent-duration MS] [--agent-fail]
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
  --data FILE           persist the store to FILE and reload it on start
  --agent-duration MS   time a synchronous agent run takes (default 0)
  --agent-fail          every agent run fails
  -h, --help            this text`;

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
