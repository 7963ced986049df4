/** Engine runs for the benchmark: one fresh stack per measured lifecycle, on a local backend. */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  LocalWorkspace,
  type ProjectSettings,
  type PulumiCommand,
  type Stack,
} from "@pulumi/pulumi/automation";
import { localEngineEnv, REPO_ROOT } from "../provider/cli/engine";
import type { GraphNode } from "./graph";
import { FLOOR_MODULES_DIR } from "./floor";
import { graphProgram, type ProviderKind } from "./programs";

/** Where the stacks' work directories live: inside the repository, so that the provider process resolves pulumi-acp. */
export const WORK_ROOT = path.join(__dirname, ".work");

/** A benchmark stack and the directory that holds its state. */
export interface BenchStack {
  stack: Stack;
  workDir: string;
  kind: ProviderKind;
}

/** The `acp` provider plugin of the installed package. */
const ACP_PLUGIN_DIR = path.join(REPO_ROOT, "node_modules", "pulumi-acp", "plugin");

let counter = 0;

/** Creates a stack on a fresh `file://` backend whose program declares `graph` with `kind`. */
export async function createBenchStack(opts: {
  kind: ProviderKind;
  graph: GraphNode[];
  baseUrl: string;
  token: string;
  pulumiCommand: PulumiCommand;
  envVars?: Record<string, string>;
}): Promise<BenchStack> {
  fs.mkdirSync(WORK_ROOT, { recursive: true });
  const workDir = fs.mkdtempSync(path.join(WORK_ROOT, `${opts.kind}-${++counter}-`));
  const envVars = {
    ...localEngineEnv({
      backendDir: path.join(workDir, "state"),
      pulumiHome: path.join(workDir, "home"),
    }),
    // The floor provider lives in bench/node_modules (see floor.ts); the dynamic provider host
    // resolves `require()` from its own location, so it needs this path to find it.
    NODE_PATH: FLOOR_MODULES_DIR,
    ...opts.envVars,
  };
  // The plugin is declared in the project, as a user's Pulumi.yaml does.
  const projectSettings =
    opts.kind === "plugin"
      ? ({
          name: "acp-bench",
          runtime: "nodejs",
          plugins: { providers: [{ name: "acp", path: ACP_PLUGIN_DIR }] },
        } as ProjectSettings)
      : undefined;
  const stack = await LocalWorkspace.createOrSelectStack(
    {
      projectName: "acp-bench",
      stackName: "bench",
      program: graphProgram(opts.kind, opts.graph),
    },
    { workDir, envVars, projectSettings, pulumiCommand: opts.pulumiCommand },
  );
  // Both programs get the same config, so the engine does the same work for each.
  await stack.setAllConfig({
    "acp:baseUrl": { value: opts.baseUrl },
    "acp:token": { value: opts.token, secret: true },
  });
  return { stack, workDir, kind: opts.kind };
}

/** Removes a stack's directory (state, PULUMI_HOME). */
export function removeBenchStack(s: BenchStack): void {
  fs.rmSync(s.workDir, { recursive: true, force: true });
}

/** Seconds taken by `fn`. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, value };
}
