/** Child processes of the end-to-end suites: the CLI and the repository's scripts, as users run them. */
import { execFile, spawn } from "node:child_process";
import * as path from "node:path";
import { REPO_ROOT } from "../../provider/cli/engine";

export interface ChildResult {
  /** Exit code; 1 when the process could not start or was killed. */
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `file args` in `cwd` with exactly `env`; never rejects. */
export function runChild(
  file: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<ChildResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: opts.cwd, env: opts.env, maxBuffer: 64 << 20, timeout: opts.timeoutMs ?? 300_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The `pulumi-acp` command of the package as installed in node_modules (as npm links it). */
export const PULUMI_ACP_MAIN = path.join(
  REPO_ROOT,
  "node_modules",
  "pulumi-acp",
  "dist",
  "provider",
  "cli",
  "main.js",
);

/** Runs `pulumi-acp args` in `cwd` with exactly `env`; never rejects. */
export function runPulumiAcp(
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<ChildResult> {
  return runChild(process.execPath, [PULUMI_ACP_MAIN, ...args], opts);
}

/**
 * The environment of a child process: this one's, without a real API or an outside Pulumi
 * backend unless `extra` sets them.
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const key of ["PULUMI_BACKEND_URL", "PULUMI_ACCESS_TOKEN", "GITHUB_STEP_SUMMARY"]) {
    if (!extra[key]) delete env[key];
  }
  if (!extra.ACP_BASE_URL) delete env.ACP_BASE_URL;
  if (!extra.ACP_API_TOKEN) delete env.ACP_API_TOKEN;
  return env;
}

/**
 * A `pulumi-acp` run in its own process group, as a terminal runs it, so it can be signalled;
 * `output()` is what it wrote so far (stdout and stderr).
 */
export function startPulumiAcp(args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [PULUMI_ACP_MAIN, ...args], {
    cwd,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exit = new Promise<number | string>((resolve) =>
    child.on("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  return { pid: child.pid as number, exit, output: () => output };
}
