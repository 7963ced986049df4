/**
 * `pulumi-acp` delivers its whole output to a pipe whose reader is slower than the command (a CI
 * log, `| tee`): far beyond the pipe's 64 KiB buffer, on stdout and on stderr.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../../provider/cli/engine";

const BUILT = path.join(REPO_ROOT, "node_modules", "pulumi-acp", "dist", "provider", "cli");

/**
 * Runs node with `args` and reads its stdout and stderr one chunk at a time, pausing after
 * each: a reader much slower than the writer.
 */
function runWithSlowReader(
  args: string[],
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    const out = { stdout: "", stderr: "" };
    for (const name of ["stdout", "stderr"] as const) {
      const stream = child[name];
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        out[name] += chunk;
        stream.pause();
        setTimeout(() => stream.resume(), 5);
      });
    }
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, ...out }));
  });
}

describe("output to a slow pipe", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-acp-exit-"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("the command's stderr: every one of 4,000 problems of a sprint file, then exit code 1", async () => {
    const count = 4000;
    const tasks = Object.fromEntries(
      Array.from({ length: count }, (_, i) => [`task${i}`, { title: i }]),
    );
    fs.writeFileSync(path.join(dir, "sprint.json"), JSON.stringify({ name: "big", tasks }));
    const res = await runWithSlowReader([path.join(BUILT, "main.js"), "up", "sprint.json"], dir);
    expect(Buffer.byteLength(res.stderr)).toBeGreaterThan(4 * 65536);
    const lines = res.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(count);
    expect(lines.every((l) => l.startsWith("error: "))).toBe(true);
    expect(lines[count - 1]).toBe(
      `error: sprint.json: tasks.task${count - 1}.title: expected string, got number ${count - 1}`,
    );
    expect(res.code).toBe(1);
  });

  it("stdout: 300,000 bytes written just before the exit arrive whole", async () => {
    const script = [
      `const { exitAfterOutput } = require(${JSON.stringify(path.join(BUILT, "exit.js"))});`,
      `process.stdout.write("0123456789".repeat(30000) + "END\\n");`,
      `exitAfterOutput(7);`,
    ].join("\n");
    const res = await runWithSlowReader(["-e", script], dir);
    expect(res.stdout).toHaveLength(300_004);
    expect(res.stdout.endsWith("9END\n")).toBe(true);
    expect(res.code).toBe(7);
  });
});
