/**
 * The record of what scripts/ensure-pulumi found: taken while nothing the script looks at has
 * changed, ignored as soon as anything has (a file in the engine's directory, the language
 * host's source, the script, PATH, a new `pulumi` earlier on PATH, PULUMI_ACP_FORCE_BUILD).
 * Runs on a scratch package and HOME; the script itself is never run here.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { foundBefore, recordPath, remember } from "../../provider/cli/engine-cache";

let tmp: string;
let root: string;
let script: string;
let bin: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "engine-cache-"));
  root = path.join(tmp, "pkg");
  script = path.join(root, "scripts", "ensure-pulumi");
  fs.mkdirSync(path.join(root, "scripts", "language-host"), { recursive: true });
  fs.writeFileSync(script, "#!/usr/bin/env bash\n");
  fs.writeFileSync(path.join(root, "scripts", "language-host", "main.go"), "package main\n");
  bin = path.join(tmp, "bin");
  fs.mkdirSync(bin);
  for (const f of ["pulumi", "pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"]) {
    fs.writeFileSync(path.join(bin, f), f);
  }
  env = { HOME: path.join(tmp, "home"), PATH: "/usr/bin:/bin" };
});

afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("the record of what ensure-pulumi found", () => {
  it("answers with the directory while nothing has changed", () => {
    expect(foundBefore(script, root, false, env)).toBeUndefined();
    remember(script, root, false, bin, env);
    expect(foundBefore(script, root, false, env)).toBe(bin);
    // Another way of running it (--yaml) is its own entry.
    expect(foundBefore(script, root, true, env)).toBeUndefined();
  });

  it.each([
    [
      "an executable in the directory changes",
      () => fs.appendFileSync(path.join(bin, "pulumi"), "!"),
    ],
    ["an executable is removed", () => fs.rmSync(path.join(bin, "pulumi-language-nodejs"))],
    [
      "a language host source file is added",
      () =>
        fs.writeFileSync(path.join(root, "scripts", "language-host", "more.go"), "package main\n"),
    ],
    ["the script changes", () => fs.appendFileSync(script, "# newer\n")],
    ["PATH changes", () => (env.PATH = `/opt/bin:${env.PATH}`)],
    ["PULUMI_ACP_PULUMI_VERSION is set", () => (env.PULUMI_ACP_PULUMI_VERSION = "3.300.0")],
    ["PULUMI_ACP_FORCE_BUILD=1 is set", () => (env.PULUMI_ACP_FORCE_BUILD = "1")],
  ])("runs the script again when %s", (_what, change) => {
    remember(script, root, false, bin, env);
    change();
    expect(foundBefore(script, root, false, env)).toBeUndefined();
  });

  it("runs the script again when a pulumi appears earlier on PATH (PATH itself the same)", () => {
    const early = path.join(tmp, "early");
    fs.mkdirSync(early);
    env.PATH = `${early}:${bin}`;
    remember(script, root, false, bin, env);
    expect(foundBefore(script, root, false, env)).toBe(bin);
    fs.writeFileSync(path.join(early, "pulumi"), "another pulumi");
    expect(foundBefore(script, root, false, env)).toBeUndefined();
  });

  it("keeps a bounded number of answers, the newest", () => {
    for (let i = 0; i < 40; i++) remember(script, root, false, bin, { ...env, PATH: `/p${i}` });
    const record = JSON.parse(fs.readFileSync(recordPath(env), "utf8")) as object;
    expect(Object.keys(record).length).toBe(16);
    expect(foundBefore(script, root, false, { ...env, PATH: "/p39" })).toBe(bin);
    expect(foundBefore(script, root, false, { ...env, PATH: "/p0" })).toBeUndefined();
  });

  it("treats a record it cannot read or write as none", () => {
    fs.mkdirSync(path.dirname(recordPath(env)), { recursive: true });
    fs.writeFileSync(recordPath(env), "{not json");
    expect(foundBefore(script, root, false, env)).toBeUndefined();
    // HOME is a file: nothing can be written under it, and nothing throws.
    const fileHome = path.join(tmp, "a-file");
    fs.writeFileSync(fileHome, "");
    expect(() => remember(script, root, false, bin, { ...env, HOME: fileHome })).not.toThrow();
    expect(foundBefore(script, root, false, { ...env, HOME: fileHome })).toBeUndefined();
  });
});
