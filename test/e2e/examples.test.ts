/**
 * Every example through the real engine, asserting on the emulator's store: the sprint file
 * (TaskGraph), the GitOps script (as CI runs it, a child process), the two environments, and
 * `npm start` itself (dist/scripts/main.js, twice, then preview and destroy).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createEmulator, type Emulator } from "pulumi-acp/emulator";
import { loadSprintFile } from "pulumi-acp";
import { DEFAULT_SPRINT_FILE, sprintProgram } from "../../examples/sprint-from-file/index";
import { runEnvironments } from "../../examples/environments/run";
import { localEngineEnv, localPulumiCommand, REPO_ROOT } from "../../scripts/lib/local-engine";
import { runChild, type ChildResult } from "./child";
import { changesOf, E2E_TOKEN, e2eWorkDir, Harness } from "./harness";

jest.setTimeout(600_000);

const sprint = loadSprintFile(DEFAULT_SPRINT_FILE);
const sprintKeys = Object.keys(sprint.tasks);
/** Runs node with `args` from the repository root; never rejects. */
function runNode(args: string[], env: NodeJS.ProcessEnv): Promise<ChildResult> {
  return runChild(process.execPath, args, { cwd: REPO_ROOT, env });
}

/** The environment of a child process: no real API, no outside backend. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const key of ["PULUMI_BACKEND_URL", "PULUMI_ACCESS_TOKEN"]) delete env[key];
  if (!extra.ACP_BASE_URL) delete env.ACP_BASE_URL;
  if (!extra.ACP_API_TOKEN) delete env.ACP_API_TOKEN;
  return env;
}

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
  const gitops = (...args: string[]) =>
    runNode(
      [
        require.resolve("ts-node/dist/bin.js"),
        "--transpile-only",
        path.join(REPO_ROOT, "examples", "gitops", "gitops.ts"),
        ...args,
      ],
      env,
    );

  beforeAll(async () => {
    emulator = createEmulator({ token: E2E_TOKEN });
    const baseUrl = await emulator.listen(0);
    home = e2eWorkDir("gitops-");
    // As in CI: the API and its token from the environment (the workflow's secret).
    env = childEnv({ ACP_BASE_URL: baseUrl, ACP_API_TOKEN: E2E_TOKEN, GITOPS_HOME: home });
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

    const up = await gitops("up");
    expect(up.code).toBe(0);
    expect(emulator.snapshot().tasks).toHaveLength(sprintKeys.length);

    const check = await gitops("preview", "--expect-no-changes");
    expect(check.code).toBe(0);
    expect(check.stdout).toContain("No changes.");
    // The token reaches the provider through the environment, never the output.
    expect(up.stdout + up.stderr + check.stdout).not.toContain(E2E_TOKEN);
  });

  it("fails --expect-no-changes with one clear line when the file changed, changing nothing", async () => {
    const edited = path.join(home, "sprint.yaml");
    fs.writeFileSync(
      edited,
      fs
        .readFileSync(DEFAULT_SPRINT_FILE, "utf8")
        .replace("title: Load-test checkout", "title: Load-test checkout at peak"),
    );
    const before = emulator.snapshot().tasks;
    const res = await gitops("preview", "--sprint", edited, "--expect-no-changes");
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split("\n").pop()).toBe(
      "error: no changes were expected for preview but changes were proposed",
    );
    expect(emulator.snapshot().tasks).toEqual(before);

    const bad = path.join(home, "bad.yaml");
    fs.writeFileSync(bad, "tasks:\n  api:\n    title: API\n    priority: hgh\n");
    const invalid = await gitops("up", "--sprint", bad);
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

describe("npm start (dist/scripts/main.js)", () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  const main = (...args: string[]) =>
    runNode([path.join(REPO_ROOT, "dist", "scripts", "main.js"), ...args], env);
  const storedTasks = () =>
    (
      JSON.parse(fs.readFileSync(path.join(home, ".acp", "emulator.json"), "utf8")) as {
        tasks: unknown[];
      }
    ).tasks;

  beforeAll(() => {
    home = e2eWorkDir("main-");
    env = childEnv({ ACP_MAIN_HOME: home });
  });
  afterAll(() => {
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it("creates the sprint against the embedded emulator, then reports no changes", async () => {
    const first = await main("up");
    expect(first.stderr).not.toContain("error:");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("embedded emulator");
    expect(first.stdout).toContain(`Changes: create ${sprintKeys.length + 4}.`);
    expect(storedTasks()).toHaveLength(sprintKeys.length);

    // A new process, a new emulator port: the state and the store still agree.
    const second = await main("up");
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("No changes.");
    expect(second.stdout).toContain(`Tasks (${sprintKeys.length}):`);
    expect(second.stdout).toMatch(/```mermaid\nflowchart TD\n {2}t_pricing_research\["/);
    expect(second.stdout).toContain("t_launch_checklist --> t_announcement");

    const preview = await main("preview");
    expect(preview.code).toBe(0);
    expect(preview.stdout).toContain("No changes.");
  });

  it("fails with one line per sprint-file problem, and destroy empties the store", async () => {
    const bad = path.join(home, "bad.yaml");
    fs.writeFileSync(
      bad,
      "tasks:\n  api:\n    title: API\n  docs:\n    title: Docs\n    dependsOn: [apii]\n",
    );
    const invalid = await main("up", "--sprint", bad);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr.trim()).toMatch(
      /^error: .*bad\.yaml: tasks\.docs\.dependsOn: task "docs" depends on unknown task "apii" \(did you mean "api"\?\)$/,
    );
    const unknown = await main("up", "--bogus");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('error: unknown argument "--bogus"');

    const destroy = await main("destroy");
    expect(destroy.code).toBe(0);
    expect(storedTasks()).toEqual([]);
  });
});
