/**
 * The Go SDK (sdk/go/acp) and the Go programs that use it, with the Go toolchain that builds the
 * engine: the committed SDK is what the generator writes from plugin/schema.json, every Go
 * module is `go vet` clean, the example builds, and test/go's suites run Go inline Automation
 * API programs through the real engine and the `acp` plugin against the emulator. A machine
 * without Go fails here: the engine is built with it, so it is never optional.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../../provider/cli/engine";
import { childEnv, runChild, type ChildResult } from "./child";
import { engineBinDir } from "./harness";

jest.setTimeout(1_200_000);

/**
 * The environment of the Go tool: scripts/ensure-pulumi's for the engine's build, whose build
 * flags it also uses, so that the packages the generator shares with the CLI (pkg/v3) come
 * from Go's build cache instead of minutes of compiling.
 */
function goEnv(): NodeJS.ProcessEnv {
  return childEnv({
    PULUMI_ACP_BIN_DIR: engineBinDir(),
    GONOSUMDB: process.env.GONOSUMDB ?? "github.com/pulumi",
    GOFLAGS: process.env.GOFLAGS ?? "-buildvcs=false -trimpath -tags=osusergo,grpcnotrace",
    CGO_ENABLED: "0",
  });
}

/** Runs `go args` in the repository's directory `dir`; fails the test with its output otherwise. */
async function go(dir: string, ...args: string[]): Promise<ChildResult> {
  const result = await runChild("go", args, {
    cwd: path.join(REPO_ROOT, dir),
    env: goEnv(),
    timeoutMs: 1_100_000,
  });
  if (result.code !== 0) {
    throw new Error(
      `go ${args.join(" ")} in ${dir} exited ${result.code} (is Go 1.26 on PATH?):\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result;
}

describe("Go SDK", () => {
  it("has a Go toolchain", async () => {
    expect((await go(".", "version")).stdout).toMatch(/^go version go1\.\d+/);
  });

  it("is committed as the generator writes it, and the generator is vet clean", async () => {
    await go("scripts/gen-go-sdk", "vet", "./...");
    const result = await go("scripts/gen-go-sdk", "test", "-count=1", "-v", "./...");
    expect(result.stdout).toContain("--- PASS: TestCommittedSDKIsCurrent");
  });

  it("is vet clean and gofmt'd, and the example builds", async () => {
    await go("sdk/go", "vet", "./...");
    const unformatted = await runChild(
      "gofmt",
      ["-l", "scripts/gen-go-sdk", "sdk/go", "test/go", "examples/go-sprint"],
      { cwd: REPO_ROOT, env: goEnv() },
    );
    expect(unformatted).toEqual({ code: 0, stdout: "", stderr: "" });
    await go("examples/go-sprint", "vet", "./...");
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "go-sprint-"));
    try {
      await go("examples/go-sprint", "build", "-o", path.join(out, "go-sprint"), ".");
      expect(fs.statSync(path.join(out, "go-sprint")).size).toBeGreaterThan(0);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it("runs Go programs through the engine against the emulator (test/go)", async () => {
    await go("test/go", "vet", "./...");
    const result = await go("test/go", "test", "-count=1", "-v", "-timeout", "15m", "./...");
    // Every suite ran; none skipped.
    for (const name of [
      "TestSprintLifecycle",
      "TestBadInputFailsAtPreview",
      "TestExampleSprint",
      "TestExampleMisspeltEnumDoesNotCompile",
    ]) {
      expect(result.stdout).toContain(`--- PASS: ${name} `);
    }
    expect(result.stdout).not.toContain("--- SKIP");
  });
});
