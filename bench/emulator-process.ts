/** The emulator as a separate process, so the benchmark's own CPU use does not slow the API. */
import { spawn, type ChildProcess } from "node:child_process";
import * as http from "node:http";
import * as path from "node:path";
import { REPO_ROOT } from "../provider/cli/engine";

/** The emulator's request counters (GET /__emulator/stats). */
export interface EmulatorStats {
  requests: Record<string, Record<string, number>>;
  totalRequests: number;
  connectionsOpened: number;
}

/** A running emulator process. */
export interface EmulatorProcess {
  baseUrl: string;
  latencyMs: number;
  stats(): Promise<EmulatorStats>;
  resetStats(): Promise<void>;
  resetStore(): Promise<void>;
  /** The tasks in the store (GET /__emulator/store). */
  tasks(): Promise<Array<Record<string, unknown>>>;
  stop(): Promise<void>;
}

/** Starts `node dist/emulator/main.js` on a free port with `latencyMs` per request. */
export async function startEmulator(token: string, latencyMs: number): Promise<EmulatorProcess> {
  const main = path.join(REPO_ROOT, "dist", "emulator", "main.js");
  const child: ChildProcess = spawn(
    process.execPath,
    [main, "--port", "0", "--token", token, "--budget", "1000000", "--latency", String(latencyMs)],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  // Piped, not inherited, so that a crashed benchmark does not leave the emulator holding its
  // output open; and killed when the benchmark exits, however it exits.
  child.stderr?.on("data", (chunk: Buffer) => process.stderr.write(chunk));
  const killChild = (): void => void child.kill("SIGTERM");
  process.once("exit", killChild);
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (\S+)/.exec(out);
      if (match) resolve(match[1]);
    });
    child.once("exit", (code) =>
      reject(
        new Error(
          `the emulator exited with code ${code} before listening (is dist/ built? run npm run build)`,
        ),
      ),
    );
  });
  // One fresh connection per call (agent: false), so that the benchmark's own connections to
  // the emulator are known exactly: the stats call itself counts one.
  const call = (method: string, p: string): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const req = http.request(`${baseUrl}/__emulator/${p}`, { method, agent: false }, (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => {
          if (res.statusCode !== 200)
            reject(new Error(`emulator ${method} /__emulator/${p}: HTTP ${res.statusCode}`));
          else resolve(JSON.parse(text));
        });
      });
      req.on("error", reject);
      req.end();
    });
  return {
    baseUrl,
    latencyMs,
    stats: async () => {
      const stats = (await call("GET", "stats")) as EmulatorStats;
      return { ...stats, connectionsOpened: stats.connectionsOpened - 1 };
    },
    resetStats: async () => void (await call("POST", "stats/reset")),
    resetStore: async () => void (await call("POST", "reset")),
    tasks: async () =>
      ((await call("GET", "store")) as { tasks: Array<Record<string, unknown>> }).tasks,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        process.off("exit", killChild);
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
