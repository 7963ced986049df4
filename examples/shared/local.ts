/**
 * What the example runners share: where the ACP API is (a real one from the environment, or an
 * emulator embedded in the runner with a persisted store) and which Pulumi engine and backend
 * to use (the environment's, as in CI, or this repository's local engine and a file backend).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { LocalWorkspaceOptions } from "@pulumi/pulumi/automation";
import { apiTarget as commandApiTarget, type ApiTarget } from "../../provider/cli/api-target";
import {
  describeChanges,
  ensurePulumi,
  LOCAL_EMULATOR_TOKEN,
  localEngineEnv,
  localPulumiCommand,
  oneLine,
  REPO_ROOT,
} from "../../provider/cli/engine";

export { describeChanges, LOCAL_EMULATOR_TOKEN, oneLine, REPO_ROOT };

export type { ApiTarget };

/**
 * The API to use, as the `pulumi-acp` command chooses it: ACP_BASE_URL with ACP_API_TOKEN when
 * set (a real API, or an emulator started elsewhere), else an emulator embedded in this process
 * whose store persists in `dataFile`.
 */
export function apiTarget(dataFile: string): Promise<ApiTarget> {
  return commandApiTarget({ env: process.env, dataFile, cwd: process.cwd() });
}

/**
 * Engine settings for LocalWorkspace. When PULUMI_BACKEND_URL or PULUMI_ACCESS_TOKEN is set (CI
 * with a real Pulumi install and backend), the `pulumi` on PATH and the environment as it is;
 * otherwise this repository's engine (scripts/ensure-pulumi) with a file backend in `stateDir`.
 */
export async function engineOptions(
  stateDir: string,
): Promise<Pick<LocalWorkspaceOptions, "envVars" | "pulumiCommand">> {
  if (process.env.PULUMI_BACKEND_URL || process.env.PULUMI_ACCESS_TOKEN) return { envVars: {} };
  const binDir = ensurePulumi();
  return {
    envVars: localEngineEnv({
      backendDir: path.join(stateDir, "state"),
      pulumiHome: path.join(stateDir, "home"),
    }),
    pulumiCommand: await localPulumiCommand(binDir),
  };
}

/**
 * A directory for the Automation API's work files. It must be inside this repository: the
 * provider process starts there and must find pulumi-acp in node_modules.
 */
export function workDirFor(dir: string): string {
  const abs = path.resolve(dir);
  const rel = path.relative(REPO_ROOT, abs);
  if (rel.startsWith("..") || path.isAbsolute(rel)) {
    throw new Error(`work directory ${abs} must be inside the repository ${REPO_ROOT}`);
  }
  fs.mkdirSync(abs, { recursive: true });
  return abs;
}
