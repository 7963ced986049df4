/**
 * The Node SDK's debug lines, left out of the command's engine operations.
 *
 * Registering a resource, the SDK logs three debug lines ("Registering resource", "RegisterResource
 * RPC prepared", "RegisterResource RPC finished") and sends each to the engine as an RPC, one at a
 * time in order; the engine turns each into an event, which the command's event stream carries.
 * The engine shows them only under `pulumi --debug` or verbose logging, which the command does
 * not offer, so they reached nobody, and they were about a third of the program's gRPC calls
 * (BENCHMARKS.md, "No-op preview against refresh"). The command runs its own program in its own
 * process, so during its operations `debug` resolves at once; info, warnings and errors go to the
 * engine as before. PULUMI_ACP_SDK_DEBUG=1 keeps the lines (to read them in the event stream).
 * A Pulumi program the user runs is never changed: only the command calls this.
 */
import * as log from "@pulumi/pulumi/log";

/** The SDK's log module, whose `debug` the SDK's runtime calls through the module object. */
const sdkLog = log as unknown as { debug: typeof log.debug };

/** Whether the SDK's debug lines go to the engine (PULUMI_ACP_SDK_DEBUG=1 or true). */
export function sdkDebugWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(1|true)$/i.test(env.PULUMI_ACP_SDK_DEBUG?.trim() ?? "");
}

/** Runs `operation` with the SDK's debug lines left out (unless wanted), then puts them back. */
export async function withoutSdkDebugLines<T>(
  operation: () => Promise<T>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<T> {
  if (sdkDebugWanted(env)) return operation();
  const debug = sdkLog.debug;
  sdkLog.debug = () => Promise.resolve();
  try {
    return await operation();
  } finally {
    sdkLog.debug = debug;
  }
}
