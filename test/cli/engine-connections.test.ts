/**
 * An inline program's connection to its engine, one engine after another in one process, when
 * the operating system gives a later engine the port of an earlier one. Uses the SDK's own gRPC
 * library, monitor client and client options, as the Automation API's inline programs do; the
 * "engines" are gRPC servers answering the monitor's `getDeploymentInfo` call.
 */
import * as path from "node:path";
import { isolateEngineConnections, OWN_SUBCHANNELS } from "../../provider/cli/engine";

const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
/* eslint-disable @typescript-eslint/no-require-imports */
const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] }));
const resrpc = require("@pulumi/pulumi/proto/resource_grpc_pb");
const emptyproto = require(
  require.resolve("google-protobuf/google/protobuf/empty_pb", { paths: [pulumiDir] }),
);
const settings = require("@pulumi/pulumi/runtime/settings");
/* eslint-enable @typescript-eslint/no-require-imports */

type Server = { forceShutdown(): void };
type Client = { close(): void; getDeploymentInfo(req: unknown, cb: (err: unknown) => void): void };

/** An "engine" on `port` (0: any free port); every call is answered UNIMPLEMENTED (code 12). */
function engine(port: number): Promise<{ server: Server; port: number }> {
  const server = new grpc.Server();
  const unimplemented = (_call: unknown, cb: (err: object) => void) =>
    cb({ code: 12, details: "not here" });
  server.addService(resrpc.ResourceMonitorService, {
    getDeploymentInfo: unimplemented,
    supportsFeature: unimplemented,
  });
  return new Promise((resolve, reject) =>
    server.bindAsync(
      `127.0.0.1:${port}`,
      grpc.ServerCredentials.createInsecure(),
      (err: Error | null, bound: number) => (err ? reject(err) : resolve({ server, port: bound })),
    ),
  );
}

/** What an inline program's first monitor call gets: the gRPC status code (12: it got through). */
function firstCall(client: Client): Promise<number> {
  return new Promise((resolve) =>
    client.getDeploymentInfo(new emptyproto.Empty(), (err) =>
      resolve((err as { code?: number } | null)?.code ?? 0),
    ),
  );
}

/**
 * One operation's engine comes and goes, its program's connection is left open and has tried
 * the dead port; a later engine gets the same port; the later program's first call.
 */
async function laterProgramOnReusedPort(sdkOptions: Record<string, unknown>): Promise<number> {
  // A refused connection waits at least this long before it is tried again: far longer than
  // the test, so that nothing in it depends on how fast the machine is.
  const options = {
    ...sdkOptions,
    "grpc.initial_reconnect_backoff_ms": 120_000,
    "grpc.max_reconnect_backoff_ms": 120_000,
  };
  const first = await engine(0);
  const address = `127.0.0.1:${first.port}`;
  const earlier: Client = new resrpc.ResourceMonitorClient(
    address,
    grpc.credentials.createInsecure(),
    options,
  );
  const clients = [earlier];
  try {
    expect(await firstCall(earlier)).toBe(12);
    first.server.forceShutdown();
    // The earlier program calls its engine once more after the engine is gone: refused.
    expect(await firstCall(earlier)).toBe(14);
    const later = await engine(first.port);
    try {
      const client: Client = new resrpc.ResourceMonitorClient(
        address,
        grpc.credentials.createInsecure(),
        options,
      );
      clients.push(client);
      return await firstCall(client);
    } finally {
      later.server.forceShutdown();
    }
  } finally {
    for (const c of clients) c.close();
  }
}

describe("inline programs' connections to their engines", () => {
  it("are made with the SDK's client options, which localPulumiCommand gives their own subchannels", () => {
    isolateEngineConnections();
    expect(settings.grpcClientOptions).toBeDefined();
    expect(settings.grpcClientOptions[OWN_SUBCHANNELS]).toBe(1);
  });

  it("reach a later engine on a reused port with the options set", async () => {
    isolateEngineConnections();
    expect(await laterProgramOnReusedPort(settings.grpcClientOptions)).toBe(12);
  });

  it("would be refused at once by that engine without them (the failure the options prevent)", async () => {
    const { [OWN_SUBCHANNELS]: _own, ...sdkDefaults } = settings.grpcClientOptions;
    expect(await laterProgramOnReusedPort(sdkDefaults)).toBe(14);
  });
});
