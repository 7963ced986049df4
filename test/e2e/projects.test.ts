/**
 * The projects as a user runs them: the `pulumi` CLI on a directory with a Pulumi.yaml, through
 * the Node.js language host (scripts/language-host), not the Automation API's inline programs.
 * Each project is copied, unchanged, into a work directory inside the repository (stack init
 * writes the secrets salt into Pulumi.<stack>.yaml, which must not touch the committed files).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createEmulator, type Emulator } from "pulumi-acp/emulator";
import { loadSprintFile } from "pulumi-acp";
import { environmentTasks } from "../../examples/environments/index";
import { stackConfig } from "../../examples/environments/run";
import { DEFAULT_SPRINT_FILE } from "../../examples/sprint-from-file/index";
import { localEngineEnv, REPO_ROOT } from "../../provider/cli/engine";
import { runChild, type ChildResult } from "./child";
import { E2E_TOKEN, e2eWorkDir, engineBinDir } from "./harness";

jest.setTimeout(600_000);

/** A project's work directory and the `pulumi` CLI run in it against one emulator. */
class CliProject {
  readonly dir: string;
  private readonly env: NodeJS.ProcessEnv;

  private constructor(dir: string, env: NodeJS.ProcessEnv) {
    this.dir = dir;
    this.env = env;
  }

  /** Copies `files` (paths relative to the repository root) into a fresh work directory. */
  static create(name: string, files: string[], emulatorUrl: string): CliProject {
    const dir = e2eWorkDir(`${name}-`);
    for (const file of files) {
      fs.cpSync(path.join(REPO_ROOT, file), path.join(dir, file), { recursive: true });
    }
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...localEngineEnv({ backendDir: path.join(dir, ".state") }),
      PATH: `${engineBinDir()}${path.delimiter}${process.env.PATH}`,
      ACP_BASE_URL: emulatorUrl,
      ACP_API_TOKEN: E2E_TOKEN,
    };
    delete env.PULUMI_ACCESS_TOKEN;
    return new CliProject(dir, env);
  }

  /** Runs `pulumi ...args` in the project directory; never rejects. */
  run(subdir: string, ...args: string[]): Promise<ChildResult> {
    const cwd = path.join(this.dir, subdir);
    return runChild("pulumi", [...args, "--non-interactive"], { cwd, env: this.env });
  }

  /** Like {@link run}, failing the test with the CLI's output when it exits non-zero. */
  async ok(subdir: string, ...args: string[]): Promise<ChildResult> {
    const result = await this.run(subdir, ...args);
    if (result.code !== 0) {
      throw new Error(
        `pulumi ${args.join(" ")} exited ${result.code}:\n${result.stdout}\n${result.stderr}`,
      );
    }
    return result;
  }

  cleanup(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The store's tasks as title -> titles of its dependencies, sorted. */
function graphByTitle(emulator: Emulator): Record<string, string[]> {
  const tasks = emulator.snapshot().tasks;
  const titles = new Map(tasks.map((t) => [t.id, t.title]));
  return Object.fromEntries(
    tasks.map((t) => [t.title, (t.dependencyIds ?? []).map((id) => titles.get(id) ?? id).sort()]),
  );
}

describe("Pulumi.yaml projects through the pulumi CLI and the Node.js language host", () => {
  let emulator: Emulator;
  let baseUrl: string;
  const projects: CliProject[] = [];

  beforeAll(async () => {
    emulator = createEmulator({ token: E2E_TOKEN });
    baseUrl = await emulator.listen(0);
  });
  afterAll(async () => {
    for (const p of projects) p.cleanup();
    await emulator?.close();
  });

  it("the repository's project: up creates the sprint file's graph, then no changes, then destroy", async () => {
    emulator.reset();
    const project = CliProject.create(
      "root-project",
      ["Pulumi.yaml", "examples/sprint-from-file"],
      baseUrl,
    );
    projects.push(project);
    await project.ok(".", "stack", "init", "dev");
    const up = await project.ok(".", "up", "--yes", "--skip-preview");
    expect(up.stdout).toMatch(/created/);

    const sprint = loadSprintFile(DEFAULT_SPRINT_FILE);
    const titleOf = (key: string) => sprint.tasks[key].title;
    const expected = Object.fromEntries(
      Object.values(sprint.tasks).map((t) => [t.title, (t.dependsOn ?? []).map(titleOf).sort()]),
    );
    expect(graphByTitle(emulator)).toEqual(expected);
    const threads = Object.values(sprint.tasks).filter((t) => t.thread).length;
    expect(emulator.snapshot().threads).toHaveLength(threads);

    const outputs = JSON.parse((await project.ok(".", "stack", "output", "--json")).stdout);
    expect(Object.keys(outputs.taskIds).sort()).toEqual(Object.keys(sprint.tasks).sort());

    // The same program again: nothing to do, and the live tasks match the state.
    await project.ok(".", "preview", "--expect-no-changes");
    await project.ok(".", "refresh", "--yes", "--expect-no-changes");
    const state = (await project.ok(".", "stack", "export", "--show-secrets")).stdout;
    expect(state).not.toContain(E2E_TOKEN);

    await project.ok(".", "destroy", "--yes");
    expect(emulator.snapshot().tasks).toHaveLength(0);
    expect(emulator.snapshot().threads).toHaveLength(0);
  });

  it("a program error fails `pulumi up` with the program's message and changes nothing", async () => {
    emulator.reset();
    const project = CliProject.create("environments-error", ["examples/environments"], baseUrl);
    projects.push(project);
    const dir = "examples/environments";
    await project.ok(dir, "stack", "init", "qa");
    // No Pulumi.qa.yaml: the program's config.require("sprintId") fails.
    const up = await project.run(dir, "up", "--yes", "--skip-preview");
    expect(up.code).not.toBe(0);
    expect(up.stdout + up.stderr).toMatch(/acp-environments:sprintId/);
    expect(emulator.snapshot().tasks).toHaveLength(0);
  });

  it("examples/environments: one program, the dev and staging stacks from their committed config", async () => {
    emulator.reset();
    const project = CliProject.create("environments", ["examples/environments"], baseUrl);
    projects.push(project);
    const dir = "examples/environments";
    // Scale and project of each stack, from its committed Pulumi.<stack>.yaml.
    const stacks = Object.fromEntries(
      ["dev", "staging"].map((stack) => {
        const config = stackConfig(stack);
        const scale = Number(config["acp-environments:scale"].value);
        return [stack, { scale, projectId: config["acp-environments:projectId"].value }];
      }),
    );
    for (const [stack, { scale, projectId }] of Object.entries(stacks)) {
      await project.ok(dir, "stack", "init", stack);
      await project.ok(dir, "up", "--yes", "--skip-preview", "--stack", stack);
      const tasks = emulator.snapshot().tasks.filter((t) => t.projectId === projectId);
      expect(tasks.map((t) => t.title).sort()).toEqual(
        Object.values(environmentTasks(stack, scale))
          .map((t) => t.title)
          .sort(),
      );
    }
    const expectedCount = Object.entries(stacks).reduce(
      (n, [stack, { scale }]) => n + Object.keys(environmentTasks(stack, scale)).length,
      0,
    );
    expect(expectedCount).toBe(4 + 7);
    expect(emulator.snapshot().tasks).toHaveLength(expectedCount);
    for (const stack of Object.keys(stacks)) {
      await project.ok(dir, "preview", "--expect-no-changes", "--stack", stack);
    }
    await project.ok(dir, "destroy", "--yes", "--stack", "dev");
    expect(emulator.snapshot().tasks.every((t) => t.projectId === stacks.staging.projectId)).toBe(
      true,
    );
    await project.ok(dir, "destroy", "--yes", "--stack", "staging");
    expect(emulator.snapshot().tasks).toHaveLength(0);
  });
});
