/**
 * What scripts/ensure-pulumi found last time, so that a command does not start it again while
 * nothing it looks at has changed. Finding an installed engine, the script starts `node` (to
 * resolve @pulumi/pulumi) and `pulumi version` and hashes the language host's source: 0.1 to 0.2
 * s before every command, more than the rest of a command's own start.
 *
 * The record (`~/.pulumi/pulumi-acp/ensure-pulumi.json`) holds, for each way the script was run
 * (its text, `--yaml`, and the environment it reads), the directory it printed and the size and
 * modification time of every file it looked at or installed: the executables in that directory,
 * the dynamic provider host it copies from @pulumi/pulumi, the language host's source. Any
 * difference runs the script again; so does PULUMI_ACP_FORCE_BUILD=1. A record that cannot be
 * read or written only means the script runs.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The environment the script's choice depends on. */
const SCRIPT_ENV = ["HOME", "PATH", "PULUMI_ACP_PULUMI_VERSION", "PULUMI_ACP_MIN_VERSION"] as const;

/** How many ways of running the script the record remembers. */
const KEPT = 16;

/** What the script found, for one way of running it. */
interface Found {
  dir: string;
  /** Path → `size:mtimeMs` (or "none") of every file the answer depends on. */
  files: Record<string, string>;
}

/** Where the record is kept. */
export function recordPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.HOME || os.homedir(), ".pulumi", "pulumi-acp", "ensure-pulumi.json");
}

function stamp(file: string): string {
  try {
    const st = fs.statSync(file);
    return `${st.size}:${st.mtimeMs}`;
  } catch {
    return "none";
  }
}

/** The files an answer of the script depends on: in `dir`, and in the package `root`. */
function filesOf(dir: string, root: string, yaml: boolean): string[] {
  const inDir = ["pulumi", "pulumi-language-nodejs", "pulumi-language-nodejs.pulumi-acp"];
  inDir.push("pulumi-resource-pulumi-nodejs");
  if (yaml) inDir.push("pulumi-language-yaml", "pulumi-language-yaml.version");
  const hostSrc = path.join(root, "scripts", "language-host");
  const sources = fs.existsSync(hostSrc)
    ? fs.readdirSync(hostSrc).map((f) => path.join(hostSrc, f))
    : [];
  let providerHost: string[] = [];
  try {
    const pkg = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [root] }));
    providerHost = [path.join(pkg, "pulumi-resource-pulumi-nodejs")];
  } catch {
    // Not installed: the script says so when it runs.
  }
  return [...inDir.map((f) => path.join(dir, f)), ...sources, ...providerHost];
}

/** The first `pulumi` on `PATH` (the script's first choice), with its stamp; "" if none. */
function pulumiOnPath(env: NodeJS.ProcessEnv): string {
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (dir === "") continue;
    const file = path.join(dir, "pulumi");
    const st = stamp(file);
    if (st !== "none") return `${file}@${st}`;
  }
  return "";
}

/** The key of one way of running the script. */
function keyOf(script: string, yaml: boolean, env: NodeJS.ProcessEnv): string {
  const h = createHash("sha256").update(fs.readFileSync(script));
  h.update(yaml ? "yaml" : "");
  for (const name of SCRIPT_ENV) h.update(`\0${name}=${env[name] ?? ""}`);
  return h.update(`\0${pulumiOnPath(env)}`).digest("hex");
}

function readRecord(env: NodeJS.ProcessEnv): Record<string, Found> {
  try {
    return JSON.parse(fs.readFileSync(recordPath(env), "utf8")) as Record<string, Found>;
  } catch {
    return {};
  }
}

/** The directory the script found last time, if nothing it depends on has changed since. */
export function foundBefore(
  script: string,
  root: string,
  yaml: boolean,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (env.PULUMI_ACP_FORCE_BUILD === "1") return undefined;
  const found = readRecord(env)[keyOf(script, yaml, env)];
  if (!found || typeof found.dir !== "string" || typeof found.files !== "object") return undefined;
  const files = filesOf(found.dir, root, yaml);
  const same =
    files.length === Object.keys(found.files).length &&
    files.every((f) => found.files[f] === stamp(f));
  return same && stamp(path.join(found.dir, "pulumi")) !== "none" ? found.dir : undefined;
}

/** Records what the script found (written whole, then renamed: a reader never sees half). */
export function remember(
  script: string,
  root: string,
  yaml: boolean,
  dir: string,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const file = recordPath(env);
  try {
    const record = readRecord(env);
    const key = keyOf(script, yaml, env);
    delete record[key];
    // The newest answers only (one per PATH a user runs the command with, say).
    for (const old of Object.keys(record).slice(0, -(KEPT - 1))) delete record[old];
    const files = Object.fromEntries(filesOf(dir, root, yaml).map((f) => [f, stamp(f)]));
    record[key] = { dir, files };
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify(record));
    fs.renameSync(tmp, file);
  } catch {
    // Not writable: the script runs next time too.
  }
}
