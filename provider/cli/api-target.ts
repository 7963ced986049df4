/**
 * Where the ACP API is for one run of the command or an example runner: a real API named by
 * ACP_BASE_URL (or --base-url) with its token in ACP_API_TOKEN (the names of the client's settings
 * table), else an emulator embedded in the process, whose store persists in a file.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createEmulator, type Emulator } from "../../emulator";
import { ENV } from "../client/config";
import { UsageError } from "./args";
import { blank } from "./command-io";
import { LOCAL_EMULATOR_TOKEN } from "./engine";

/** Where the ACP API is for one run. */
export interface ApiTarget {
  baseUrl: string;
  /** Passed to the provider process as ACP_API_TOKEN; never written to the stack. */
  token: string;
  /** What the command prints as the API. */
  label: string;
  /** Set when the API is the embedded emulator. */
  emulator?: Emulator;
  /** Closes the embedded emulator (its store file stays). */
  close(): Promise<void>;
}

/** Where to look for the API, and where an embedded emulator keeps its store. */
export interface ApiTargetOptions {
  /** The API's base URL given on the command line: wins over the environment. */
  baseUrl?: string;
  env: NodeJS.ProcessEnv;
  /** The embedded emulator's store. */
  dataFile: string;
  /** The directory labels are relative to. */
  cwd: string;
}

/**
 * The API to use: the given base URL or ACP_BASE_URL with ACP_API_TOKEN (a real API, or an
 * emulator started elsewhere), else an emulator embedded in this process.
 */
export async function apiTarget(options: ApiTargetOptions): Promise<ApiTarget> {
  const { env, dataFile, cwd } = options;
  const fromEnv = env[ENV.baseUrl];
  const baseUrl = options.baseUrl ?? (blank(fromEnv) ? undefined : fromEnv);
  if (baseUrl) {
    const token = env[ENV.token];
    if (token === undefined || blank(token)) {
      throw new UsageError(
        `a real ACP API is configured (${baseUrl}) but ${ENV.token} is not set: export the API token in ${ENV.token}`,
      );
    }
    return { baseUrl, token, label: baseUrl, close: async () => undefined };
  }
  fs.mkdirSync(path.dirname(dataFile), { recursive: true });
  const emulator = createEmulator({ token: LOCAL_EMULATOR_TOKEN, dataFile });
  const url = await emulator.listen(0);
  return {
    baseUrl: url,
    token: LOCAL_EMULATOR_TOKEN,
    label: `embedded emulator at ${url} (store: ${path.relative(cwd, dataFile)})`,
    emulator,
    close: () => emulator.close(),
  };
}
