/** The `pulumi-acp` command line without the engine: parsing, usage errors and their exit codes. */
import { PassThrough } from "node:stream";
import { EXIT, parseSprintArgs, UsageError } from "../../provider/cli/args";
import { main } from "../../provider/cli/main";
import type { CommandIo } from "../../provider/cli/sprint";
import { VERSION } from "../../provider/client/version";
import { createEmulator } from "../../emulator";

async function run(...argv: string[]) {
  return runWith({}, ...argv);
}

async function runWith(env: NodeJS.ProcessEnv, ...argv: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d) => (out += d));
  stderr.on("data", (d) => (err += d));
  const io: CommandIo = {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env,
    cwd: "/nonexistent-pulumi-acp-cwd",
    interactive: false,
  };
  const code = await main(argv, io);
  return { code, out, err };
}

describe("parseSprintArgs", () => {
  it("takes one optional sprint file and the documented options, with defaults", () => {
    expect(parseSprintArgs("up", [])).toEqual({
      command: "up",
      sprintFile: undefined,
      stack: "dev",
      baseUrl: undefined,
      expectNoChanges: false,
      yes: false,
    });
    expect(
      parseSprintArgs("preview", [
        "s.yaml",
        "--stack=prod",
        "--base-url",
        "https://acp.example.com",
        "--expect-no-changes",
        "-y",
      ]),
    ).toEqual({
      command: "preview",
      sprintFile: "s.yaml",
      stack: "prod",
      baseUrl: "https://acp.example.com",
      expectNoChanges: true,
      yes: true,
    });
  });

  it("takes --bulk and --per-task for up and preview: the design of the tasks", () => {
    expect(parseSprintArgs("up", ["s.yaml", "--bulk"])).toMatchObject({
      sprintFile: "s.yaml",
      design: "sprint",
    });
    expect(parseSprintArgs("preview", ["--per-task"]).design).toBe("task");
    // Without either, the sprint file decides (its `resource`, else one resource per task).
    expect("design" in parseSprintArgs("up", [])).toBe(false);
  });

  it.each([
    [
      ["--bulk", "--per-task"],
      "up",
      "--bulk and --per-task contradict each other: give one of them",
    ],
    [
      ["--bulk"],
      "destroy",
      "--bulk applies to up and preview only (destroy works on what the state holds, in either design): remove it",
    ],
    [
      ["--per-task"],
      "refresh",
      "--per-task applies to up and preview only (refresh works on what the state holds, in either design): remove it",
    ],
    [["--bulk=yes"], "up", "--bulk"],
  ] as const)("refuses the design options %j for %s", (argv, command, message) => {
    expect(() => parseSprintArgs(command, [...argv])).toThrow(UsageError);
    expect(() => parseSprintArgs(command, [...argv])).toThrow(message);
  });

  it.each([
    [["--bogus"], "Unknown option '--bogus'"],
    [["--stack"], "Option '--stack <value>' argument missing"],
    [["--stack="], "--stack needs a value"],
    [["a.yaml", "b.yaml"], "up takes one sprint file, got 2: a.yaml b.yaml"],
    [["--expect-no-changes=yes"], "--expect-no-changes"],
  ])("refuses %j as a usage error", (argv, message) => {
    expect(() => parseSprintArgs("up", argv)).toThrow(UsageError);
    expect(() => parseSprintArgs("up", argv)).toThrow(message);
  });
});

describe("main", () => {
  it("prints the usage with --help (exit 0) and without a command (exit 2)", async () => {
    const help = await run("--help");
    expect(help.code).toBe(EXIT.ok);
    expect(help.out).toContain(
      "Usage:\n  pulumi-acp up|preview|refresh|destroy [SPRINT_FILE] [options]",
    );
    expect(help.out).toContain("Exit codes: 0 ok, 1 failure, 2 usage error, 3 changes found");
    expect(help.out).toMatch(/--bulk {15}up, preview: declare the tasks as one Sprint resource/);
    expect(help.out).toContain("--per-task           up, preview: one resource per task");
    expect(help.out).toContain("Moving a stack between the designs:");
    expect((await run("up", "--help")).code).toBe(EXIT.ok);
    const bare = await run();
    expect(bare.code).toBe(EXIT.usage);
    expect(bare.out).toContain("Commands:");
  });

  it("prints the package version", async () => {
    expect(await run("--version")).toEqual({ code: 0, out: `${VERSION}\n`, err: "" });
  });

  it("answers an unknown command or option with exit code 2, naming it and the help", async () => {
    const unknown = await run("apply");
    expect(unknown.code).toBe(EXIT.usage);
    expect(unknown.err).toBe(
      'error: unknown command "apply": use one of up, preview, refresh, destroy, doctor\n(pulumi-acp --help lists the commands and options)\n',
    );
    const option = await run("destroy", "--force");
    expect(option.code).toBe(EXIT.usage);
    expect(option.err).toContain("error: Unknown option '--force'");
  });

  it("refuses up without a sprint file before starting the engine (exit 2)", async () => {
    const res = await run("up");
    expect(res.code).toBe(EXIT.usage);
    expect(res.err).toContain(
      "error: no sprint file: pass one (pulumi-acp up path/to/sprint.yaml) or create sprint.yaml in /nonexistent-pulumi-acp-cwd",
    );
  });

  it("refuses a real API without a token, naming the variable, before anything runs", async () => {
    const res = await run(
      "preview",
      "/nonexistent/sprint.yaml",
      "--base-url",
      "https://acp.example.com",
    );
    // The sprint file is read first: every problem of the file before the API is touched.
    expect(res.code).toBe(EXIT.failure);
    expect(res.err).toMatch(/^error: .*\/nonexistent\/sprint\.yaml/);
  });

  it("runs doctor with the rest of the command line and the same environment", async () => {
    const token = "doctor-through-main-token";
    const emulator = createEmulator({ token });
    try {
      const baseUrl = await emulator.listen(0);
      const res = await runWith(
        { ACP_BASE_URL: baseUrl, ACP_API_TOKEN: token },
        "doctor",
        "--read-only",
        "--json",
      );
      expect(res.code).toBe(EXIT.ok);
      const report = JSON.parse(res.out) as { rows: { result: string }[] };
      expect(report.rows.length).toBeGreaterThan(0);
      expect(res.out + res.err).not.toContain(token);
      // Read-only: nothing was written.
      expect(emulator.snapshot().tasks).toEqual([]);
      const usage = await runWith({}, "doctor", "--bogus");
      expect(usage.code).toBe(EXIT.usage);
    } finally {
      await emulator.close();
    }
  });
});
