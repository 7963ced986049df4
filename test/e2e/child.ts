/** Child processes of the end-to-end suites: the CLI and the repository's scripts, as users run them. */
import { execFile } from "node:child_process";

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
