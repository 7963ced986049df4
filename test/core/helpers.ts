/** What the core suites share. */
import { createEmulator, type Emulator, type EmulatorOptions } from "../../emulator";
import { AcpClient } from "../../provider/client";
import { configureProvider } from "../../provider/core";

/** A Task's outputs as the provider stores them after a create of `inputs` (server defaults added). */
export function storedTask(
  inputs: Record<string, unknown>,
  server: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    status: "backlog",
    priority: "medium",
    dependencyIds: [],
    linkedThreadIds: [],
    metadata: {},
    sortOrder: 0,
    ...inputs,
    ...server,
    managedFields: Object.keys(inputs).filter((k) => k !== "adoptExistingId"),
  };
}

/**
 * Points the provider core at `baseUrl` with `token`, retrying `maxRetries` times, as a stack's
 * config would.
 */
export function configureCoreFor(baseUrl: string, token: string, maxRetries = 0): void {
  const config: Record<string, unknown> = {
    "acp:baseUrl": baseUrl,
    "acp:token": token,
    "acp:maxRetries": maxRetries,
  };
  configureProvider((key) => config[key]);
}

/**
 * An emulator on a free port that the provider core is configured to use (retrying
 * `coreRetries` times), and a client of the test's own that never retries. `close` ends both.
 */
export async function emulatorForCore(
  options: EmulatorOptions & { token: string },
  coreRetries = 0,
): Promise<{ emulator: Emulator; api: AcpClient; close(): Promise<void> }> {
  const emulator = createEmulator(options);
  const baseUrl = await emulator.listen(0);
  configureCoreFor(baseUrl, options.token, coreRetries);
  const api = new AcpClient({ baseUrl, token: options.token, maxRetries: 0 });
  return {
    emulator,
    api,
    close: async () => {
      await api.close();
      await emulator.close();
    },
  };
}
