/**
 * The progress sink of both front doors (provider/dynamic and provider/plugin): the engine's own
 * log. It lives beside the doors, not in the core: the core reports through the sink interface of
 * core/progress.ts and imports no Pulumi or gRPC module. A provider process (the
 * dynamic provider host or the `acp` plugin) is started by the engine with the engine's
 * address on its command line; each report is sent there as an info message about the resource:
 * progress as an ephemeral one, which the engine shows as that resource's status while the
 * operation runs (and the Automation API passes on as a diagnostic event with `ephemeral:
 * true`); a note as one the engine keeps in its output.
 *
 * Best effort: with no engine address (a provider called directly, as in unit tests) there is
 * no sink; a message the engine does not take is dropped.
 */
import * as path from "node:path";
import { setProgressSink, type ProgressSink, type ProgressTarget } from "../core/progress";

interface LogRequest {
  setSeverity(v: number): void;
  setMessage(v: string): void;
  setUrn(v: string): void;
  setStreamid(v: number): void;
  setEphemeral(v: boolean): void;
}
interface EngineClient {
  log(req: LogRequest, cb: (err: Error | null) => void): void;
}

/** The engine's address on a provider's command line, as the SDK's provider server reads it. */
export function engineAddressOf(args: readonly string[]): string | undefined {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parseArgs } = require("@pulumi/pulumi/provider/internals") as {
    parseArgs(a: string[]): { engineAddress?: string } | undefined;
  };
  const address = parseArgs([...args])?.engineAddress;
  return address && /:\d+$/.test(address) ? address : undefined;
}

/** The message as the engine shows it: prefixed with the resource's name when it has no URN. */
export function engineMessage(target: ProgressTarget, message: string): string {
  return target.urn === "" && target.name ? `${target.name}: ${message}` : message;
}

/** A sink that logs to the engine at `address`, over the SDK's own gRPC library and protocol. */
export function engineLogSink(address: string): ProgressSink {
  const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
  /* eslint-disable @typescript-eslint/no-require-imports */
  const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] }));
  const engrpc = require("@pulumi/pulumi/proto/engine_grpc_pb");
  const engproto = require("@pulumi/pulumi/proto/engine_pb");
  /* eslint-enable @typescript-eslint/no-require-imports */
  let client: EngineClient | undefined;
  return (target, message, { ephemeral }) => {
    client ??= new engrpc.EngineClient(address, grpc.credentials.createInsecure(), {
      "grpc.use_local_subchannel_pool": 1,
    }) as EngineClient;
    const req = new engproto.LogRequest() as LogRequest;
    req.setSeverity(engproto.LogSeverity.INFO);
    req.setMessage(engineMessage(target, message));
    req.setUrn(target.urn);
    req.setStreamid(0);
    req.setEphemeral(ephemeral);
    client.log(req, () => {
      // Dropped when the engine does not take it: progress never fails an operation.
    });
  };
}

/**
 * Installs the engine-log sink when this process was started by the engine (its address is in
 * `args`, by default this process's arguments). Returns whether it did.
 */
export function installEngineProgress(args: readonly string[] = process.argv.slice(2)): boolean {
  const address = engineAddressOf(args);
  if (address === undefined) return false;
  setProgressSink(engineLogSink(address));
  return true;
}
