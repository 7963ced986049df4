import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

function cli(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ["-r", "ts-node/register", "emulator/main.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function exitCode(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

describe("acp-emulator CLI", () => {
  it("prints its URL, serves with the token from the environment, exits 0 on SIGTERM", async () => {
    const child = cli(["--port", "0", "--budget", "5"], { ACP_EMULATOR_TOKEN: "env-token" });
    const exited = exitCode(child);
    const line = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes("\n")) resolve(out.trim());
      });
      child.once("exit", () => reject(new Error(`exited early: ${out}`)));
    });
    const match = /^acp-emulator listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
    expect(match).not.toBeNull();
    const url = match![1];
    const ok = await fetch(`${url}/v1/tasks`, { headers: { authorization: "Bearer env-token" } });
    expect(ok.status).toBe(200);
    const store = (await (await fetch(`${url}/__emulator/store`)).json()) as { budget: number };
    expect(store.budget).toBe(5);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 20_000);

  it("prints the usage and exits 2 on an unknown flag", async () => {
    const child = cli(["--bogus"]);
    let err = "";
    child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
    expect(await exitCode(child)).toBe(2);
    expect(err).toMatch(/usage: acp-emulator/);
  }, 20_000);
});
