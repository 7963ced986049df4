/**
 * Which Pulumi backend a command keeps the stack's state in: the user's (PULUMI_BACKEND_URL,
 * PULUMI_ACCESS_TOKEN or a `pulumi login`), else a file backend in the working directory.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { blank, type CommandIo } from "./command-io";
import { localEngineEnv } from "./engine";

/** True when the user has logged in to a Pulumi backend (`pulumi login`). */
function loggedIn(env: NodeJS.ProcessEnv): boolean {
  const home = blank(env.PULUMI_HOME) ? path.join(os.homedir(), ".pulumi") : env.PULUMI_HOME!;
  try {
    const creds = JSON.parse(fs.readFileSync(path.join(home, "credentials.json"), "utf8")) as {
      current?: string;
    };
    return typeof creds.current === "string" && creds.current !== "";
  } catch {
    return false;
  }
}

/**
 * The engine's settings: the user's backend (PULUMI_BACKEND_URL, PULUMI_ACCESS_TOKEN or a
 * `pulumi login`) with their environment as it is; otherwise a file backend and PULUMI_HOME in
 * ./.pulumi of the working directory, offline.
 */
export function engineEnv(io: CommandIo): {
  env: Record<string, string>;
  label: string;
  /** The file backend's directory when the command keeps the state itself. */
  localBackendDir?: string;
} {
  if (!blank(io.env.PULUMI_BACKEND_URL)) return { env: {}, label: io.env.PULUMI_BACKEND_URL! };
  if (!blank(io.env.PULUMI_ACCESS_TOKEN) || loggedIn(io.env)) {
    return { env: {}, label: "the logged-in Pulumi backend" };
  }
  const stateDir = path.join(io.cwd, ".pulumi");
  const backendDir = path.join(stateDir, "state");
  return {
    env: localEngineEnv({ backendDir, pulumiHome: path.join(stateDir, "home") }),
    label: `local state in ${path.relative(io.cwd, backendDir)}`,
    localBackendDir: backendDir,
  };
}
