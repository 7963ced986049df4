/**
 * Every example through the real engine, asserting on the emulator's store: the sprint file
 * (TaskGraph), the GitOps jobs (the `pulumi-acp` command as CI runs it, a child process) and
 * the two environments. The command itself: cli.test.ts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createEmulator, type Emulator } from "pulumi-acp/emulator";
import { loadSprintFile } from "pulumi-acp";
import { DEFAULT_SPRINT_FILE, sprintProgram } from "../../examples/sprint-from-file/index";
import { runEnvironments } from "../../examples/environments/run";
import { localEngineEnv, localPulumiCommand } from "../../provider/cli/engine";
import { childEnv, runPulumiAcp } from "./child";
import { changesOf, E2E_TOKEN, e2eWorkDir, Harness } from "./harness";

jest.setTimeout(600_000);

const sprint = loadSprintFile(DEFAULT_SPRINT_FILE);
const sprintKeys = Object.keys(sprint.tasks);

describe("examples/sprint-from-file: the sprint file as a TaskGraph", () => {
  let h: Harness;
  let taskIds: Record<string, string>;
  let threadIds: Record<string, string>;
  const store = () => h.emulator.snapshot();

  beforeAll(async () => {
    h = await Harness.create({ program: sprintProgram(DEFAULT_SPRINT_FILE) });
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  it("creates one task per key with the file's fields and the defaults", async () => {
    expect(sprintKeys.length).toBeGreaterThanOrEqual(15);
    const up = await h.up();
    taskIds = up.outputs.taskIds as Record<string, string>;
    threadIds = up.outputs.threadIds as Record<string, string>;
    expect(Object.keys(taskIds).sort()).toEqual([...sprintKeys].sort());
    const tasks = store().tasks;
    expect(tasks).toHaveLength(sprintKeys.length);
    for (const key of sprintKeys) {
      const spec = sprint.tasks[key];
      const task = tasks.find((t) => t.id === taskIds[key]);
      expect(task).toMatchObject({
        title: spec.title,
        projectId: sprint.defaults?.projectId,
        sprintId: sprint.defaults?.sprintId,
        priority: spec.priority ?? sprint.defaults?.priority,
      });
      if (spec.dueAt) expect(task?.dueAt).toBe(spec.dueAt);
    }
  });

  it("wires every dependency edge of the file, and only those", () => {
    const tasks = store().tasks;
    for (const key of sprintKeys) {
      const expected = (sprint.tasks[key].dependsOn ?? []).map((d) => taskIds[d]).sort();
      const task = tasks.find((t) => t.id === taskIds[key]);
      expect({ key, deps: [...(task?.dependencyIds ?? [])].sort() }).toEqual({
        key,
        deps: expected,
      });
    }
  });

  it("runs the run thread and starts the start thread", async () => {
    const runKey = sprintKeys.find((k) => sprint.tasks[k].thread?.mode === "run") as string;
    const startKey = sprintKeys.find((k) => sprint.tasks[k].thread?.mode === "start") as string;
    expect(sprint.tasks[runKey].dependsOn ?? []).toEqual([]);
    expect(Object.keys(threadIds).sort()).toEqual([runKey, startKey].sort());
    const threads = store().threads;
    expect(threads.map((t) => t.id).sort()).toEqual(Object.values(threadIds).sort());
    const runState = (await h.stateResources("acp:TaskThread")).find(
      (r) => r.id === threadIds[runKey],
    );
    expect(runState?.outputs.execution?.success).toBe(true);
    const runTask = store().tasks.find((t) => t.id === taskIds[runKey]);
    expect(runTask?.linkedThreadIds).toContain(threadIds[runKey]);
  });

  it("captures the providers by reference and exports the Mermaid graph", async () => {
    const { resources } = await h.exportState();
    const dynamic = resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"));
    expect(dynamic).toHaveLength(sprintKeys.length + 2);
    for (const r of dynamic) expect((r.inputs.__provider as string).length).toBeLessThan(1024);
    const component = resources.find((r) => r.type === "acp:index:TaskGraph");
    expect(component?.urn).toMatch(/::sprint-42$/);
    const mermaid = (await h.stack.outputs()).mermaid.value as string;
    expect(mermaid.split("\n")[0]).toBe("flowchart TD");
    const edges = mermaid.split("\n").filter((l) => l.includes("-->"));
    const fileEdges = sprintKeys.flatMap((k) => sprint.tasks[k].dependsOn ?? []);
    expect(edges).toHaveLength(fileEdges.length);
    expect(mermaid).toContain("t_pricing_research --> t_pricing_model");
  });

  it("shows no changes on a second preview and up, and destroy empties the store", async () => {
    expect(changesOf((await h.preview()).summary)).toEqual({});
    expect(changesOf((await h.up()).summary)).toEqual({});
    await h.destroy();
    expect(store().tasks).toEqual([]);
    expect(store().threads).toEqual([]);
  });
});

describe("examples/gitops: preview on a pull request, up on main", () => {
  let emulator: Emulator;
  let env: NodeJS.ProcessEnv;
  let home: string;
  // The workflow's commands, run in a scratch checkout directory (state in its .pulumi/).
  const gitops = (command: string, ...args: string[]) =>
    runPulumiAcp([command, DEFAULT_SPRINT_FILE, ...args], { cwd: home, env });

  beforeAll(async () => {
    emulator = createEmulator({ token: E2E_TOKEN });
    const baseUrl = await emulator.listen(0);
    home = e2eWorkDir("gitops-");
    // As in CI: the API and its token from the environment (the workflow's secret).
    env = childEnv({
      ACP_BASE_URL: baseUrl,
      ACP_API_TOKEN: E2E_TOKEN,
      GITHUB_STEP_SUMMARY: path.join(home, "step-summary.md"),
    });
  });
  afterAll(async () => {
    await emulator?.close();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it("previews without creating anything, then up creates the sprint and converges", async () => {
    const preview = await gitops("preview");
    expect(preview.stderr).not.toContain("error:");
    expect(preview.code).toBe(0);
    expect(preview.stdout).toContain(`Changes: create ${sprintKeys.length + 4}.`);
    expect(emulator.snapshot().tasks).toEqual([]);

    // The apply job's command: a fast up, whose marker is gone once it succeeded.
    const up = await gitops("up", "--yes", "--fast");
    expect(up.code).toBe(0);
    expect(up.stdout).toContain("(fast)");
    expect(emulator.snapshot().tasks).toHaveLength(sprintKeys.length);
    expect(fs.existsSync(path.join(home, ".pulumi", "fast-runs", "dev.json"))).toBe(false);

    const check = await gitops("preview", "--expect-no-changes");
    expect(check.code).toBe(0);
    expect(check.stdout).toContain("No changes.");
    // The job page gets each run's summary, and the graph after up.
    const summary = fs.readFileSync(path.join(home, "step-summary.md"), "utf8");
    expect(summary).toContain(`### Sprint up (dev)\n\nChanges: create ${sprintKeys.length + 4}.`);
    expect(summary).toContain("```mermaid\nflowchart TD");
    expect(summary).toContain("### Sprint preview (dev)\n\nNo changes.");
    // The token reaches the provider through the environment, never the output.
    expect(up.stdout + up.stderr + check.stdout).not.toContain(E2E_TOKEN);
  });

  it("fails --expect-no-changes with exit code 3 and one clear line when the file changed, changing nothing", async () => {
    const edited = path.join(home, "sprint.yaml");
    fs.writeFileSync(
      edited,
      fs
        .readFileSync(DEFAULT_SPRINT_FILE, "utf8")
        .replace("title: Load-test checkout", "title: Load-test checkout at peak"),
    );
    const before = emulator.snapshot().tasks;
    const res = await runPulumiAcp(["preview", edited, "--expect-no-changes"], { cwd: home, env });
    expect(res.code).toBe(3);
    expect(res.stdout).toMatch(/~ acp:Task sprint-42-load-test would update/);
    expect(res.stderr.trim().split("\n").pop()).toBe(
      "error: --expect-no-changes: the preview found changes (update 1); the API and the sprint file did not agree",
    );
    expect(emulator.snapshot().tasks).toEqual(before);

    const bad = path.join(home, "bad.yaml");
    fs.writeFileSync(bad, "tasks:\n  api:\n    title: API\n    priority: hgh\n");
    const invalid = await runPulumiAcp(["up", bad, "--yes"], { cwd: home, env });
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain(
      'tasks.api.priority: expected one of low|medium|high|urgent, got "hgh"',
    );
  });
});

describe("examples/environments: dev and staging stacks from one program", () => {
  let emulator: Emulator;
  let home: string;
  let run: (
    command: "up" | "preview" | "destroy",
    stacks: string[],
  ) => ReturnType<typeof runEnvironments>;

  beforeAll(async () => {
    emulator = createEmulator({ token: E2E_TOKEN });
    const baseUrl = await emulator.listen(0);
    home = e2eWorkDir("environments-");
    const binDir = process.env.PULUMI_ACP_BIN_DIR as string;
    const engine = {
      envVars: localEngineEnv({
        backendDir: path.join(home, "state"),
        pulumiHome: path.join(home, "home"),
      }),
      pulumiCommand: await localPulumiCommand(binDir),
    };
    run = (command, stacks) =>
      runEnvironments({
        command,
        stacks,
        api: { baseUrl, token: E2E_TOKEN },
        engine,
        workRoot: path.join(home, "work"),
      });
  });
  afterAll(async () => {
    await emulator?.close();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it("creates disjoint task sets with each stack's sprint, project, priority and size", async () => {
    const [dev, staging] = await run("up", ["dev", "staging"]);
    const tasks = emulator.snapshot().tasks;
    const devIds = new Set(Object.values(dev.taskIds));
    const stagingIds = new Set(Object.values(staging.taskIds));
    expect(devIds.size).toBe(4); // scale 1: build, test, deploy, release
    expect(stagingIds.size).toBe(7); // scale 2
    expect([...devIds].filter((id) => stagingIds.has(id))).toEqual([]);
    expect(tasks).toHaveLength(11);
    for (const t of tasks) {
      const isDev = devIds.has(t.id as string);
      expect(isDev || stagingIds.has(t.id as string)).toBe(true);
      expect(t).toMatchObject(
        isDev
          ? {
              sprintId: "sprint_dev_42",
              projectId: "proj_checkout_dev",
              priority: "low",
              metadata: { environment: "dev" },
            }
          : {
              sprintId: "sprint_staging_42",
              projectId: "proj_checkout_staging",
              priority: "high",
              metadata: { environment: "staging" },
            },
      );
    }
    const release = tasks.find((t) => t.id === staging.taskIds.release);
    expect(new Set(release?.dependencyIds)).toEqual(
      new Set([staging.taskIds["checkout-deploy"], staging.taskIds["invoices-deploy"]]),
    );
  });

  it("shows no changes on a second up, and destroying dev leaves staging alone", async () => {
    for (const r of await run("up", ["dev", "staging"])) expect(r.changes).toEqual({});
    await run("destroy", ["dev"]);
    const left = emulator.snapshot().tasks;
    expect(left).toHaveLength(7);
    expect(left.every((t) => t.sprintId === "sprint_staging_42")).toBe(true);
    await run("destroy", ["staging"]);
    expect(emulator.snapshot().tasks).toEqual([]);
  });
});
