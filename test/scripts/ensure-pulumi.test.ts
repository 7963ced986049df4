/**
 * scripts/ensure-pulumi with a `pulumi` already on PATH (a user's install, or this script's own
 * earlier build put on PATH): `--yaml` still provides Pulumi YAML's language host beside it.
 * The Go toolchain is a stub that records its calls and "builds" a placeholder, so no real
 * build runs; HOME is a scratch directory.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../../provider/cli/engine";

const SCRIPT = path.join(REPO_ROOT, "scripts", "ensure-pulumi");

describe("ensure-pulumi --yaml with a pulumi on PATH", () => {
  let root: string;
  let bin: string;
  let goLog: string;
  const run = (...args: string[]) =>
    execFileSync("bash", [SCRIPT, ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        PATH: [bin, path.dirname(process.execPath), "/usr/bin", "/bin"].join(path.delimiter),
        HOME: path.join(root, "home"),
        GO_LOG: goLog,
      },
    });

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-acp-ensure-"));
    bin = path.join(root, "bin");
    goLog = path.join(root, "go.log");
    fs.mkdirSync(bin);
    fs.mkdirSync(path.join(root, "home"));
    fs.writeFileSync(path.join(bin, "pulumi"), "#!/bin/sh\necho v3.276.0\n", { mode: 0o755 });
    // `go install MODULE@VERSION` with GOBIN: writes a placeholder language host there.
    fs.writeFileSync(
      path.join(bin, "go"),
      [
        "#!/bin/sh",
        'echo "$*" >>"$GO_LOG"',
        'if [ "$1" = install ]; then',
        '  printf "#!/bin/sh\\necho built\\n" >"$GOBIN/pulumi-language-yaml"',
        '  chmod +x "$GOBIN/pulumi-language-yaml"',
        "fi",
        "",
      ].join("\n"),
      { mode: 0o755 },
    );
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it("builds the YAML language host beside that pulumi once, then finds it", () => {
    const out = run("--yaml");
    expect(out.trim().split("\n").pop()).toBe(bin);
    expect(fs.readFileSync(path.join(bin, "pulumi-language-yaml.version"), "utf8").trim()).toBe(
      "1.25.0",
    );
    expect(execFileSync(path.join(bin, "pulumi-language-yaml"), { encoding: "utf8" })).toBe(
      "built\n",
    );
    const calls = fs.readFileSync(goLog, "utf8").trim().split("\n");
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(
      /^install .*github\.com\/pulumi\/pulumi-yaml\/cmd\/pulumi-language-yaml@v1\.25\.0$/,
    );
    // The dynamic provider host is put beside the CLI as before.
    expect(fs.existsSync(path.join(bin, "pulumi-resource-pulumi-nodejs"))).toBe(true);

    expect(run("--yaml").trim().split("\n").pop()).toBe(bin);
    expect(fs.readFileSync(goLog, "utf8").trim().split("\n")).toHaveLength(1);
  });

  it("builds nothing without --yaml", () => {
    expect(run().trim().split("\n").pop()).toBe(bin);
    expect(fs.existsSync(goLog)).toBe(false);
    expect(fs.existsSync(path.join(bin, "pulumi-language-yaml"))).toBe(false);
  });
});
