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
import { createEmulator, type Emulator } from "pulumi-acp/emulator";
import { REPO_ROOT } from "../../provider/cli/engine";
import { E2E_TOKEN } from "./harness";

const SCRIPT = path.join(REPO_ROOT, "scripts", "ensure-postgres");

/** The table the DIY backend keeps its objects in (Pulumi's default). */
export const STATE_TABLE = "pulumi_state";

/** A running server: its URL, a query helper, and stop. */
export interface PostgresServer {
  /** `postgres://pulumi@127.0.0.1:PORT/postgres?sslmode=disable`, a Pulumi backend URL as is. */
  url: string;
  /** Runs one SQL statement with psql; the rows, each a list of column texts. */
  query(sql: string): string[][];
  /** Runs one SQL statement whose answer is one value (which may span lines); that value. */
  scalar(sql: string): string;
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
  const run = (sql: string) =>
    execFileSync(psql, [url, "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql], {
      encoding: "utf8",
      maxBuffer: 256 << 20,
    });
  return {
    scalar: (sql: string) => run(sql).replace(/\n$/, ""),
    url,
    query(sql: string): string[][] {
      return run(sql)
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

/** One object of the DIY backend's table: its key and its content as text. */
export interface StoredObject {
  /** The object's key, e.g. `postgres/.pulumi/stacks/<project>/<stack>.json`. */
  key: string;
  /** The content (the table holds it base64-encoded in a JSON column: decoded here). */
  text: string;
  /** The column as stored. */
  raw: string;
}

/** Every object of the backend's table (stacks, history, backups, locks, tags). */
export function storedObjects(pg: PostgresServer): StoredObject[] {
  const value = pg.scalar(
    `SELECT coalesce(json_agg(json_build_object('key', key, 'raw', data::text, 'text', ` +
      `CASE WHEN data->>'data' IS NULL THEN data::text ` +
      `ELSE convert_from(decode(data->>'data', 'base64'), 'UTF8') END)), '[]') FROM ${STATE_TABLE}`,
  );
  return JSON.parse(value) as StoredObject[];
}

/** The content of the object whose key ends with `suffix`, or undefined when there is none. */
export function storedObject(pg: PostgresServer, suffix: string): string | undefined {
  return storedObjects(pg).find((o) => o.key.endsWith(suffix))?.text;
}

/** Keys of the objects whose content (decoded or as stored) contains `needle`. */
export function rowsContaining(pg: PostgresServer, needle: string): string[] {
  return storedObjects(pg)
    .filter((o) => o.text.includes(needle) || o.raw.includes(needle))
    .map((o) => o.key);
}

/** A suite's PostgreSQL server and emulator, set up before its tests and stopped after them. */
export interface SharedBackend {
  pg: PostgresServer;
  emulator: Emulator;
  /** The emulator's address. */
  baseUrl: string;
}

/** Registers the suite's setup and teardown of a {@link SharedBackend}; its fields are set in beforeAll. */
export function sharedBackend(): SharedBackend {
  const shared = {} as SharedBackend;
  beforeAll(async () => {
    shared.pg = startPostgres();
    shared.emulator = createEmulator({ token: E2E_TOKEN });
    shared.baseUrl = await shared.emulator.listen(0);
  });
  afterAll(async () => {
    await shared.emulator?.close();
    shared.pg?.stop();
  });
  return shared;
}
