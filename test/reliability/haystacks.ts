/**
 * Where the leak suites look for a secret: each engine operation's stdout, stderr and events,
 * the errors the operations threw, the state as `pulumi stack export` prints it, and every file
 * of a directory; and the search itself.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { engineBinDir, type Harness } from "../e2e/harness";

/**
 * The engine's own debug line that prints the provider's decrypted configuration: Pulumi 3.259
 * logs Configure's inputs at verbosity 9 and above without redacting secrets (fixed upstream
 * by pulumi/pulumi#24477). Nothing of pulumi-acp writes it; README "Secrets" says to keep the
 * token in ACP_API_TOKEN when such logs are needed.
 */
const ENGINE_V9_CONFIGURE_LINE =
  /Marshaling property for RPC\[Provider\[[^\]]*\]\.Configure\(\)\.inputs\]: value=\{[^}]*\}","v":(9|1\d)\}/;

/** Occurrences of `needles` in `haystacks`: "place: needle #i", split by whether the line is the engine's v9 Configure log. */
export function leaksIn(
  haystacks: Record<string, string>,
  needles: string[],
): { leaks: string[]; engineV9: string[] } {
  const leaks: string[] = [];
  const engineV9: string[] = [];
  for (const [place, text] of Object.entries(haystacks)) {
    for (const line of text.split("\n")) {
      needles.forEach((needle, i) => {
        if (!line.includes(needle)) return;
        (ENGINE_V9_CONFIGURE_LINE.test(line) ? engineV9 : leaks).push(`${place}: needle #${i}`);
      });
    }
  }
  return { leaks, engineV9 };
}

/** With LEAK_DEBUG set, prints each occurrence of a needle with the text before it, to find its source. */
export function printLeaks(haystacks: Record<string, string>, needles: string[]): void {
  if (!process.env.LEAK_DEBUG) return;
  for (const [place, text] of Object.entries(haystacks)) {
    for (const n of needles) {
      let i = text.indexOf(n);
      while (i >= 0) {
        process.stderr.write(`LEAK ${place}: ${text.slice(Math.max(0, i - 300), i + 80)}\n`);
        i = text.indexOf(n, i + 1);
      }
    }
  }
}

/** Every file under `dir`, by path relative to it, with its text. */
export function filesUnder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out[path.relative(dir, full)] = fs.readFileSync(full, "latin1");
    }
  };
  walk(dir);
  return out;
}

/**
 * The state as `pulumi stack export` prints it to a user (secrets not shown), unlike the
 * Automation API's `exportStack`, which shows them.
 */
export function cliStackExport(h: Harness): string {
  return execFileSync(
    path.join(engineBinDir(), "pulumi"),
    ["stack", "export", "--stack", h.stack.name, "--non-interactive"],
    { cwd: h.workDir, env: { ...process.env, ...h.stack.workspace.envVars }, encoding: "utf8" },
  );
}

/** The texts searched for a secret, by place, and the errors of the operations that failed. */
export class Haystacks {
  readonly places: Record<string, string> = {};
  readonly errors: string[] = [];

  /** Callbacks of an engine operation that capture its stdout, stderr and events under `name`. */
  capture(name: string): {
    onOutput: (s: string) => void;
    onError: (s: string) => void;
    onEvent: (e: EngineEvent) => void;
  } {
    const events: EngineEvent[] = [];
    this.places[`${name} stdout`] = "";
    this.places[`${name} stderr`] = "";
    return {
      onOutput: (s) => (this.places[`${name} stdout`] += s),
      onError: (s) => (this.places[`${name} stderr`] += s),
      onEvent: (e) => {
        events.push(e);
        this.places[`${name} events`] = JSON.stringify(events);
      },
    };
  }

  /** Awaits `op`: "" if it succeeded, else its error's message, which is kept as a place. */
  async failureOf(op: Promise<unknown>): Promise<string> {
    try {
      await op;
      return "";
    } catch (err) {
      const message = (err as Error).message;
      this.places[`error ${this.errors.length}`] = message;
      this.errors.push(message);
      return message;
    }
  }

  /** Adds every file under `dir` as a place named `prefix` and its relative path. */
  addFiles(prefix: string, dir: string): void {
    for (const [file, text] of Object.entries(filesUnder(dir))) {
      this.places[`${prefix} ${file}`] = text;
    }
  }

  /** Characters searched, over every place. */
  size(): number {
    return Object.values(this.places).reduce((n, t) => n + t.length, 0);
  }
}
