/**
 * A throwaway PostgreSQL server for the suites and benchmarks that keep Pulumi state in
 * PostgreSQL (`PULUMI_BACKEND_URL=postgres://…`), started by scripts/ensure-postgres (installed
 * from the machine's packages when missing, run as an unprivileged user, loopback only). A
 * server that cannot start throws: a suite that needs it fails, it never skips.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../../provider/cli/engine";

const SCRIPT = path.join(REPO_ROOT, "scripts", "ensure-postgres");

/** The table the DIY backend keeps its objects in (Pulumi's default). */
export const STATE_TABLE = "pulumi_state";

/** A running server: its URL, a query helper, and stop. */
export interface PostgresServer {
  /** `postgres://pulumi@127.0.0.1:PORT/postgres?sslmode=disable`, a Pulumi backend URL as is. */
  url: string;
  /** Runs one SQL statement with psql; the rows, each a list of column texts. */
  query(sql: string): string[][];
  /** Stops the server and removes its data. Safe to call twice. */
  stop(): void;
}

/** Starts a server in a new temporary directory (see the file's comment). */
export function startPostgres(): PostgresServer {
  // The server runs as another user when this is root: its directory must be reachable.
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-acp-pg-"));
  fs.chmodSync(parent, 0o755);
  const dir = path.join(parent, "server");
  let url: string;
  try {
    url = execFileSync("bash", [SCRIPT, "start", dir], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    })
      .trim()
      .split("\n")
      .pop() as string;
  } catch (err) {
    fs.rmSync(parent, { recursive: true, force: true });
    const stderr = String((err as { stderr?: unknown }).stderr ?? "").trim();
    throw new Error(`cannot start a PostgreSQL server for the state backend: ${stderr || err}`);
  }
  const psql = path.join(fs.readFileSync(path.join(dir, "bin"), "utf8").trim(), "psql");
  let stopped = false;
  return {
    url,
    query(sql: string): string[][] {
      const out = execFileSync(psql, [url, "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql], {
        encoding: "utf8",
        maxBuffer: 256 << 20,
      });
      return out
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => l.split("\t"));
    },
    stop(): void {
      if (stopped) return;
      stopped = true;
      execFileSync("bash", [SCRIPT, "stop", dir], { stdio: ["ignore", "ignore", "pipe"] });
      fs.rmSync(parent, { recursive: true, force: true });
    },
  };
}

/** Keys of the backend's objects (stacks, history, locks, tags) whose text contains `needle`. */
export function rowsContaining(pg: PostgresServer, needle: string): string[] {
  const literal = needle.replace(/'/g, "''");
  return pg
    .query(`SELECT key FROM ${STATE_TABLE} WHERE data::text LIKE '%${literal}%' ORDER BY key`)
    .map((r) => r[0]);
}
