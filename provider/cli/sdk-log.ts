/**
 * The Node SDK kept quiet during the command's engine operations: without its debug lines, and
 * without a stack trace for each promise it makes.
 *
 * Registering a resource, the SDK logs three debug lines ("Registering resource", "RegisterResource
 * RPC prepared", "RegisterResource RPC finished") and sends each to the engine as an RPC, one at a
 * time in order; the engine turns each into an event, which the command's event stream carries.
 * The engine shows them only under `pulumi --debug` or verbose logging, which the command does
 * not offer, so they reached nobody, and they were about a third of the program's gRPC calls.
 * The SDK also takes the formatted stack trace of every promise it makes (to name a promise the
 * program leaked, shown only under PULUMI_DEBUG_PROMISE_LEAKS); the dynamic resources already
 * register without them (provider/dynamic/registration.ts), and this covers the promises the SDK
 * makes afterwards, as each registration goes on. The command prints no stack trace either.
 * (BENCHMARKS.md, "No-op preview against refresh".)
 *
 * The command runs its own program in its own process, so during its operations `debug` resolves
 * at once and V8's stack trace limit is 0; info, warnings and errors go to the engine as before,
 * with their messages. PULUMI_ACP_SDK_DEBUG=1 keeps the debug lines (to read them in the event
 * stream), PULUMI_DEBUG_PROMISE_LEAKS the traces. A Pulumi program the user runs is never
 * changed: only the command calls this.
 */
import * as log from "@pulumi/pulumi/log";

/** The SDK's log module, whose `debug` the SDK's runtime calls through the module object. */
const sdkLog = log as unknown as { debug: typeof log.debug };

/** Whether the SDK's debug lines go to the engine (PULUMI_ACP_SDK_DEBUG=1 or true). */
export function sdkDebugWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(1|true)$/i.test(env.PULUMI_ACP_SDK_DEBUG?.trim() ?? "");
}

/** Runs `operation` with the SDK quiet (as far as wanted), then puts everything back. */
export async function withQuietSdk<T>(
  operation: () => Promise<T>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<T> {
  const debug = sdkLog.debug;
  const limit = Error.stackTraceLimit;
  if (!sdkDebugWanted(env)) sdkLog.debug = () => Promise.resolve();
  if ((env.PULUMI_DEBUG_PROMISE_LEAKS ?? "") === "") Error.stackTraceLimit = 0;
  try {
    return await operation();
  } finally {
    sdkLog.debug = debug;
    Error.stackTraceLimit = limit;
  }
}
