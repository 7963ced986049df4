/**
 * The one place that sets up the Pulumi engine: the CLI found or built by scripts/ensure-pulumi
 * (shipped in the package), and for offline, local use a `file://` backend, a passphrase, a
 * PULUMI_HOME, no update check and no automatic plugin download. Used by the `pulumi-acp`
 * command, the end-to-end tests and the benchmarks.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PulumiCommand } from "@pulumi/pulumi/automation";
import { foundBefore, remember } from "./engine-cache";

/**
 * The package root: the repository in a clone, `node_modules/pulumi-acp` where the package is
 * installed (this file is at provider/cli/ in the source and dist/provider/cli/ when built).
 */
export const REPO_ROOT = findPackageRoot(__dirname);

function findPackageRoot(start: string): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, "scripts", "ensure-pulumi"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the pulumi-acp package above ${start}`);
    dir = parent;
  }
  return dir;
}

/**
 * The directory of the package's `acp` provider plugin (`pulumi-resource-acp`), which serves the
 * Sprint resource: given to the engine in the project's `plugins: providers` setting.
 */
export const ACP_PLUGIN_DIR = path.join(REPO_ROOT, "plugin");

/**
 * Runs scripts/ensure-pulumi (fast when the CLI is already there) and returns the directory
 * holding `pulumi`. Progress goes to this process's stderr, one line per step. `yaml`: also
 * Pulumi YAML's language host, for YAML programs. While nothing the script looked at has changed
 * since it last ran, its answer is taken from ./engine-cache.ts without running it.
 */
export function ensurePulumi(opts: { yaml?: boolean } = {}): string {
  const script = path.join(REPO_ROOT, "scripts", "ensure-pulumi");
  const yaml = opts.yaml === true;
  const before = foundBefore(script, REPO_ROOT, yaml);
  if (before !== undefined) return before;
  const out = execFileSync("bash", [script, ...(yaml ? ["--yaml"] : [])], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = out.trim().split("\n");
  const dir = lines[lines.length - 1];
  remember(script, REPO_ROOT, yaml, dir);
  return dir;
}

/**
 * NODE_PATH for the engine's provider processes: the folder that holds pulumi-acp and
 * @pulumi/pulumi, so that the dynamic provider host and the providers it loads by package name
 * are found from any working directory (also when the package runs from npx's cache).
 */
export function providerNodePath(env: NodeJS.ProcessEnv = process.env): string {
  const parent = path.dirname(REPO_ROOT);
  const modules =
    path.basename(parent) === "node_modules" ? parent : path.join(REPO_ROOT, "node_modules");
  return [modules, env.NODE_PATH].filter((p) => p && p.trim() !== "").join(path.delimiter);
}

/** Settings for a local engine run. */
export interface LocalEngineOptions {
  /** Directory of the `file://` state backend (created if missing). */
  backendDir: string;
  /** PULUMI_HOME (created if missing). Default: `<backendDir>/../home`. */
  pulumiHome?: string;
  /** Passphrase of the stack's secrets. Default: PULUMI_CONFIG_PASSPHRASE, else "pulumi-acp-local". */
  passphrase?: string;
}

/** The environment a local engine run needs: nothing in it reaches the network. */
export function localEngineEnv(opts: LocalEngineOptions): Record<string, string> {
  const backendDir = path.resolve(opts.backendDir);
  const home = path.resolve(opts.pulumiHome ?? path.join(backendDir, "..", "home"));
  fs.mkdirSync(backendDir, { recursive: true });
  fs.mkdirSync(home, { recursive: true });
  return {
    PULUMI_BACKEND_URL: `file://${backendDir}`,
    PULUMI_CONFIG_PASSPHRASE:
      opts.passphrase ?? process.env.PULUMI_CONFIG_PASSPHRASE ?? "pulumi-acp-local",
    PULUMI_HOME: home,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
  };
}

/**
 * The Automation API's handle on the CLI in `binDir` (as returned by {@link ensurePulumi}).
 * Every stack of this project is made with it, so it also makes this process's inline programs
 * safe to run one engine after another ({@link isolateEngineConnections}).
 */
export function localPulumiCommand(binDir: string): Promise<PulumiCommand> {
  isolateEngineConnections();
  return PulumiCommand.get({ root: path.dirname(binDir), skipVersionCheck: true });
}

/** The gRPC option that gives each connection its own subchannels instead of the process's. */
export const OWN_SUBCHANNELS = "grpc.use_local_subchannel_pool";

/**
 * An inline program runs in this process and talks to its engine over gRPC, at a local port
 * the engine picked. Two facts of the Node.js SDK make a later operation fail at random:
 * grpc-js shares connections by address across the whole process, and the SDK does not close
 * an inline program's connection when the operation ends. When an operation's engine is gone
 * and its program still calls it (a preview that failed while resources were being
 * registered), the shared connection to that port goes into back-off; if the operating system
 * gives the same port to a later engine, that engine's program is refused at once ("14
 * UNAVAILABLE: No connection established. Last error: null"), and the SDK takes a gRPC error at
 * that point for the engine having ended the program: the operation "succeeds" having declared
 * nothing. Giving every connection its own subchannels removes the sharing. The option object
 * is the SDK's own (`runtime/settings`, not in its typings); a unit test fails if it moves.
 */
export function isolateEngineConnections(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const settings = require("@pulumi/pulumi/runtime/settings") as {
    grpcClientOptions?: Record<string, unknown>;
  };
  if (settings.grpcClientOptions !== undefined) settings.grpcClientOptions[OWN_SUBCHANNELS] = 1;
}

/** The embedded emulator's token: local only, and not a secret. */
export const LOCAL_EMULATOR_TOKEN = "pulumi-acp-local-emulator";

/** The most useful line of an error: the engine's own `error:` line when there is one. */
export function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const stderr = message.includes("stderr:") ? message.slice(message.indexOf("stderr:")) : message;
  const errorLines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^error: /.test(l) && !/(update|preview|destroy) failed/.test(l));
  if (errorLines.length > 0) return errorLines[0].replace(/^error: /, "");
  return message.split("\n").find((l) => l.trim() !== "") ?? "unknown error";
}

/** Counts of changes without `same`, as one sentence. */
export function describeChanges(changes: Record<string, number> | undefined): string {
  const entries = Object.entries(changes ?? {}).filter(([k, v]) => k !== "same" && v > 0);
  if (entries.length === 0) return "No changes.";
  return `Changes: ${entries.map(([k, v]) => `${k} ${v}`).join(", ")}.`;
}
