/**
 * The `pulumi-acp` command as users run it, through the real engine, with the embedded emulator
 * (its store read back from .acp/emulator.json): from the package installed in this repository
 * in a scratch directory, and from an `npm pack` tarball installed into an empty project outside
 * the repository (`npx pulumi-acp …`).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadSprintFile } from "pulumi-acp";
import { DEFAULT_SPRINT_FILE } from "../../examples/sprint-from-file/index";
import { REPO_ROOT } from "../../provider/cli/engine";
import { childEnv, runChild, runPulumiAcp } from "./child";
import { e2eWorkDir } from "./harness";

jest.setTimeout(600_000);

interface StoredTask {
  id: string;
  title: string;
  dependencyIds?: string[];
}
/** The tasks in the embedded emulator's store file of the command run in `dir`. */
function storedTasks(dir: string): StoredTask[] {
  const file = path.join(dir, ".acp", "emulator.json");
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { tasks: { task: StoredTask }[] }).tasks.map(
    (record) => record.task,
  );
}

describe("pulumi-acp in a project directory (the package installed in this repository)", () => {
  const sprintKeys = Object.keys(loadSprintFile(DEFAULT_SPRINT_FILE).tasks);
  let dir: string;
  const env = childEnv();
  const cli = (...args: string[]) => runPulumiAcp(args, { cwd: dir, env });

  beforeAll(() => {
    dir = e2eWorkDir("cli-");
  });
  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("answers usage errors with exit code 2 and help with 0, starting nothing", async () => {
    const none = await cli("up");
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(
      `error: no sprint file: pass one (pulumi-acp up path/to/sprint.yaml) or create sprint.yaml in ${dir}`,
    );
    const bogus = await cli("preview", "--bogus");
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain("error: Unknown option '--bogus'");
    const unknown = await cli("apply");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "apply"');
    const help = await cli("--help");
    expect(help.code).toBe(0);
    for (const word of [
      "up",
      "preview",
      "refresh",
      "destroy",
      "doctor",
      "--expect-no-changes",
      "--yes",
    ]) {
      expect(help.stdout).toContain(word);
    }
    expect(fs.existsSync(path.join(dir, ".pulumi"))).toBe(false);
  });

  it("creates the sprint file of the current directory, then finds nothing to change", async () => {
    fs.copyFileSync(DEFAULT_SPRINT_FILE, path.join(dir, "sprint.yaml"));
    const first = await cli("up", "--yes");
    expect(first.stderr).not.toContain("error:");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("ACP API: embedded emulator at http://127.0.0.1:");
    expect(first.stdout).toContain("State: local state in .pulumi/state");
    expect(first.stdout).toContain(`Changes: create ${sprintKeys.length + 4}.`);
    // One progress line per resource, with the task's id.
    const created = first.stdout.split("\n").filter((l) => /^ {2}\+ acp:Task sprint-42-/.test(l));
    expect(created).toHaveLength(sprintKeys.length);
    expect(created[0]).toMatch(/^ {2}\+ acp:Task sprint-42-[\w.-]+ task_\w+ created \(\d+s\)$/);
    expect(storedTasks(dir)).toHaveLength(sprintKeys.length);

    // A new process and a new emulator port: the state and the store still agree.
    const second = await cli("up", "--yes");
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("No changes.");
    expect(second.stdout).not.toMatch(/^ {2}[+~-] /m);
    expect(second.stdout).toContain(`Tasks (${sprintKeys.length}):`);
    expect(second.stdout).toContain("t_launch_checklist --> t_announcement");

    const refresh = await cli("refresh", "--expect-no-changes");
    expect(refresh.code).toBe(0);
    const preview = await cli("preview", "--expect-no-changes");
    expect(preview.code).toBe(0);
    expect(preview.stdout).toContain("No changes.");
  });

  it("exits 3 under --expect-no-changes after an edit, 1 on a bad file, and destroy empties the store", async () => {
    const file = path.join(dir, "sprint.yaml");
    fs.writeFileSync(
      file,
      fs
        .readFileSync(file, "utf8")
        .replace("title: Load-test checkout", "title: Load-test checkout at peak"),
    );
    const before = storedTasks(dir);
    const changed = await cli("preview", "--expect-no-changes");
    expect(changed.code).toBe(3);
    expect(changed.stdout).toMatch(/^ {2}~ acp:Task sprint-42-load-test would update/m);
    expect(storedTasks(dir)).toEqual(before);

    const bad = path.join(dir, "bad.yaml");
    fs.writeFileSync(
      bad,
      "tasks:\n  api:\n    title: API\n  docs:\n    title: Docs\n    dependsOn: [apii]\n",
    );
    const invalid = await cli("up", "bad.yaml", "--yes");
    expect(invalid.code).toBe(1);
    expect(invalid.stderr.trim()).toMatch(
      /^error: .*bad\.yaml: tasks\.docs\.dependsOn: task "docs" depends on unknown task "apii" \(did you mean "api"\?\)$/,
    );

    // destroy needs no sprint file: the state says what to delete.
    fs.rmSync(file);
    const destroy = await cli("destroy", "--yes");
    expect(destroy.code).toBe(0);
    expect(destroy.stdout).toContain(`Changes: delete ${sprintKeys.length + 4}.`);
    expect(storedTasks(dir)).toEqual([]);
  });
});

describe("pulumi-acp from an npm pack tarball installed into an empty project", () => {
  let project: string;
  const env = childEnv();
  const npx = (...args: string[]) =>
    runChild("npx", ["--no", "pulumi-acp", ...args], { cwd: project, env });
  const sprint = [
    "name: launch",
    "defaults: { projectId: proj_pack }",
    "tasks:",
    "  api: { title: Build the API }",
    "  docs: { title: Write the docs, dependsOn: [api] }",
    "  release: { title: Release, dependsOn: [api, docs] }",
    "",
  ].join("\n");

  beforeAll(() => {
    project = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-acp-pack-"));
    // `npm test` built dist/ already: pack it as it is.
    const tarball = execFileSync(
      "npm",
      ["pack", "--ignore-scripts", "--silent", "--pack-destination", project],
      { cwd: REPO_ROOT, encoding: "utf8" },
    )
      .trim()
      .split("\n")
      .pop() as string;
    fs.writeFileSync(path.join(project, "package.json"), '{ "private": true }\n');
    const pulumiVersion = (
      JSON.parse(
        fs.readFileSync(
          path.join(REPO_ROOT, "node_modules", "@pulumi", "pulumi", "package.json"),
          "utf8",
        ),
      ) as { version: string }
    ).version;
    execFileSync(
      "npm",
      [
        "install",
        "--no-audit",
        "--no-fund",
        "--prefer-offline",
        "--loglevel=error",
        path.join(project, tarball),
        `@pulumi/pulumi@${pulumiVersion}`,
      ],
      { cwd: project, stdio: ["ignore", "ignore", "inherit"] },
    );
    fs.writeFileSync(path.join(project, "sprint.yaml"), sprint);
  });
  afterAll(() => {
    if (project) fs.rmSync(project, { recursive: true, force: true });
  });

  it("ships the command, the engine script, the Go SDK and nothing of the repository's tests", () => {
    const installed = path.join(project, "node_modules", "pulumi-acp");
    expect(fs.existsSync(path.join(installed, "dist", "provider", "cli", "main.js"))).toBe(true);
    expect(fs.existsSync(path.join(installed, "scripts", "ensure-pulumi"))).toBe(true);
    expect(fs.existsSync(path.join(installed, "scripts", "language-host", "main.go"))).toBe(true);
    // The Go SDK, for a Go program's `replace` (examples/go-sprint/README.md).
    expect(fs.existsSync(path.join(installed, "sdk", "go", "go.mod"))).toBe(true);
    expect(fs.existsSync(path.join(installed, "sdk", "go", "acp", "taskGraph.go"))).toBe(true);
    expect(fs.existsSync(path.join(installed, "test"))).toBe(false);
    expect(fs.existsSync(path.join(installed, "dist", "test"))).toBe(false);
  });

  it("applies sprint.yaml, finds no changes the second time, exits 3 after an edit, and destroys", async () => {
    const up = await npx("up", "sprint.yaml");
    expect(up.stderr).not.toContain("error:");
    expect(up.code).toBe(0);
    expect(up.stdout).toContain("Changes: create 5.");
    const tasks = storedTasks(project);
    expect(tasks.map((t) => t.title).sort()).toEqual([
      "Build the API",
      "Release",
      "Write the docs",
    ]);
    const byTitle = new Map(tasks.map((t) => [t.title, t]));
    expect(new Set(byTitle.get("Release")?.dependencyIds)).toEqual(
      new Set([byTitle.get("Build the API")?.id, byTitle.get("Write the docs")?.id]),
    );

    const again = await npx("up", "sprint.yaml");
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("No changes.");

    // The Sprint resource through the plugin the package ships: the same tasks, adopted.
    const ids = storedTasks(project).map((t) => t.id);
    const bulk = await npx("up", "sprint.yaml", "--bulk");
    expect(bulk.stderr).not.toContain("error:");
    expect(bulk.code).toBe(0);
    expect(bulk.stdout).toContain("Moving 3 task(s) into one Sprint resource");
    expect(storedTasks(project).map((t) => t.id)).toEqual(ids);

    fs.writeFileSync(
      path.join(project, "sprint.yaml"),
      sprint.replace("title: Release", "title: Release 1.0"),
    );
    const check = await npx("preview", "--expect-no-changes");
    expect(check.code).toBe(3);
    expect(
      storedTasks(project)
        .map((t) => t.title)
        .sort(),
    ).toEqual(["Build the API", "Release", "Write the docs"]);

    const destroy = await npx("destroy", "--yes");
    expect(destroy.code).toBe(0);
    expect(storedTasks(project)).toEqual([]);
  });
});
