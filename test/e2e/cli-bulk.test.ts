/**
 * `pulumi-acp up --bulk` (a sprint's tasks as one Sprint resource of the `acp` plugin) and moving
 * a stack between the two designs, through the real engine, against an emulator named by
 * ACP_BASE_URL whose store and request counts the tests read.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createEmulator, type Emulator } from "pulumi-acp/emulator";
import { childEnv, runPulumiAcp } from "./child";
import { E2E_TOKEN, e2eWorkDir } from "./harness";

jest.setTimeout(900_000);

/** A resource of the command's local state file. */
interface Record_ {
  type: string;
  urn: string;
  id?: string;
  outputs?: Record<string, unknown>;
  retainOnDelete?: boolean;
}

/** The resources of the command's stack, read from its local state file. */
function stateResources(dir: string): Record_[] {
  const file = path.join(
    dir,
    ".pulumi",
    "state",
    ".pulumi",
    "stacks",
    "pulumi-acp-sprint",
    "dev.json",
  );
  const state = JSON.parse(fs.readFileSync(file, "utf8")) as {
    checkpoint: { latest?: { resources?: Record_[] } };
  };
  return state.checkpoint.latest?.resources ?? [];
}

const TASK_TOKEN = "pulumi-nodejs:dynamic/acp:Task";
const SPRINT_TOKEN = "acp:index:Sprint";

/** Requests answered, by route and method, since the last reset. */
function count(emulator: Emulator, route: string): number {
  return Object.values(emulator.stats().requests[route] ?? {}).reduce((a, b) => a + b, 0);
}

/**
 * A sprint file of `n` tasks in layers of 10 (each task depends on one of the layer before),
 * one more with a task thread that runs the agent, one that depends on it, and a project thread
 * and an agent run after the first task.
 */
function sprintYaml(n: number, resource?: "task" | "sprint"): string {
  const lines = ["name: big", ...(resource ? [`resource: ${resource}`] : [])];
  lines.push("defaults: { projectId: proj_bulk }", "tasks:");
  for (let i = 0; i < n; i++) {
    const deps = i >= 10 ? `, dependsOn: [t${i - 10}]` : "";
    lines.push(`  t${i}: { title: "Task ${i}"${deps} }`);
  }
  // The thread's task depends on nothing: the agent may run at once.
  lines.push("  review:", "    title: Review");
  lines.push('    thread: { mode: run, message: "Review the sprint" }');
  lines.push("  release: { title: Release, dependsOn: [review, t0] }");
  lines.push("threads:", "  kickoff: { title: Kickoff, dependsOn: [t0] }");
  lines.push("runs:", '  setup: { serverId: srv_sandbox, prompt: "Prepare", dependsOn: [t0] }', "");
  return lines.join("\n");
}

describe("pulumi-acp up --bulk and moving a stack between the designs", () => {
  let emulator: Emulator;
  let env: NodeJS.ProcessEnv;
  const dirs: string[] = [];
  const cli = (dir: string, ...args: string[]) => runPulumiAcp(args, { cwd: dir, env });
  const project = (yaml: string) => {
    const dir = e2eWorkDir("cli-bulk-");
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, "sprint.yaml"), yaml);
    return dir;
  };
  const tasksByTitle = () =>
    new Map(emulator.snapshot().tasks.map((t) => [t.title as string, t.id as string]));

  beforeAll(async () => {
    emulator = createEmulator({ token: E2E_TOKEN });
    const baseUrl = await emulator.listen(0);
    env = childEnv({ ACP_BASE_URL: baseUrl, ACP_API_TOKEN: E2E_TOKEN });
  });
  beforeEach(() => emulator.reset());
  afterAll(async () => {
    await emulator.close();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("creates the tasks through one Sprint and its threads beside it; a second up changes nothing", async () => {
    const dir = project(sprintYaml(3));
    const up = await cli(dir, "up", "--bulk", "--yes");
    expect(up.stderr).not.toContain("error:");
    expect(up.code).toBe(0);
    // The stack, the graph, the Sprint, the task thread, the project thread and the run.
    expect(up.stdout).toContain("Changes: create 6.");
    expect(up.stdout).toMatch(/^ {2}\+ acp:Sprint big sprint-[0-9a-f]{32} created/m);
    const store = emulator.snapshot();
    expect(store.tasks.map((t) => t.title).sort()).toEqual(
      ["Release", "Review", "Task 0", "Task 1", "Task 2"].sort(),
    );
    const ids = tasksByTitle();
    const review = store.tasks.find((t) => t.title === "Review");
    const release = store.tasks.find((t) => t.title === "Release");
    expect(new Set(release?.dependencyIds)).toEqual(
      new Set([ids.get("Review"), ids.get("Task 0")]),
    );
    // The task's thread, the kickoff, and the thread backing the agent run.
    expect(store.threads).toHaveLength(3);
    expect(store.threads.map((t) => t.title)).toContain("Kickoff");
    expect(review?.linkedThreadIds).toHaveLength(1);
    expect(emulator.stats().agentExecutions).toMatchObject({ runThread: 1, serverRun: 1 });
    // The outputs are the per-task design's: every task's id by key.
    expect(up.stdout).toContain("Tasks (5):");
    expect(up.stdout).toMatch(new RegExp(`^ {2}review +${ids.get("Review")} +\\(thread thr_`, "m"));
    const state = stateResources(dir);
    expect(state.filter((r) => r.type === SPRINT_TOKEN)).toHaveLength(1);
    expect(state.filter((r) => r.type === TASK_TOKEN)).toHaveLength(0);

    emulator.resetStats();
    const again = await cli(dir, "up", "--bulk", "--yes");
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("No changes.");
    expect(count(emulator, "POST /v1/tasks")).toBe(0);
    expect(count(emulator, "PATCH /v1/tasks/:taskId")).toBe(0);
    // The file can say so itself.
    fs.writeFileSync(path.join(dir, "sprint.yaml"), sprintYaml(3, "sprint"));
    const fromFile = await cli(dir, "preview", "--expect-no-changes");
    expect(fromFile.code).toBe(0);
    expect(emulator.stats().agentExecutions).toMatchObject({ runThread: 0, serverRun: 0 });

    const destroy = await cli(dir, "destroy", "--yes");
    expect(destroy.code).toBe(0);
    expect(emulator.snapshot().tasks).toEqual([]);
  });

  it("moves a 500-task stack to a Sprint and back with the same ids, 0 creates and 0 deletes", async () => {
    const n = 500;
    const dir = project(sprintYaml(n));
    const first = await cli(dir, "up", "--yes");
    expect(first.stderr).not.toContain("error:");
    expect(first.code).toBe(0);
    const ids = tasksByTitle();
    expect(ids.size).toBe(n + 2);
    const threads = emulator
      .snapshot()
      .threads.map((t) => t.id)
      .sort();
    expect(threads).toHaveLength(3);
    expect(emulator.stats().agentExecutions).toMatchObject({ runThread: 1, serverRun: 1 });
    const runs = emulator.snapshot().runs.map((r) => r.id);
    expect(runs).toHaveLength(1);
    const sameStore = () => {
      const store = emulator.snapshot();
      // No task lost, none added, none duplicated: the same ids, each title once.
      expect(store.tasks).toHaveLength(n + 2);
      expect(tasksByTitle()).toEqual(ids);
      expect(store.threads.map((t) => t.id).sort()).toEqual(threads);
      expect(store.runs.map((r) => r.id)).toEqual(runs);
      expect(emulator.stats().agentExecutions).toMatchObject({ runThread: 0, serverRun: 0 });
      for (const route of [
        "POST /v1/tasks",
        "DELETE /v1/tasks/:taskId",
        "POST /v1/threads",
        "POST /v1/tasks/:taskId/run-thread",
        "POST /v1/servers/:serverId/runs",
      ]) {
        expect([route, count(emulator, route)]).toEqual([route, 0]);
      }
    };

    emulator.resetStats();
    const bulk = await cli(dir, "up", "--bulk", "--yes");
    expect(bulk.stderr).not.toContain("error:");
    expect(bulk.code).toBe(0);
    expect(bulk.stdout).toContain(`Moving ${n + 2} task(s) into one Sprint resource`);
    expect(bulk.stdout).toMatch(
      /^ {2}- acp:Task big-t0 left the state \(its task stays on the API\)/m,
    );
    sameStore();
    let state = stateResources(dir);
    expect(state.filter((r) => r.type === TASK_TOKEN)).toHaveLength(0);
    const sprint = state.filter((r) => r.type === SPRINT_TOKEN);
    expect(sprint).toHaveLength(1);
    const taskIds = sprint[0].outputs?.taskIds as Record<string, string>;
    expect(taskIds.review).toBe(ids.get("Review"));
    expect(taskIds.t499).toBe(ids.get("Task 499"));
    expect(state.some((r) => r.retainOnDelete)).toBe(false);

    const noop = await cli(dir, "up", "--bulk", "--yes", "--expect-no-changes");
    expect(noop.code).toBe(0);
    sameStore();

    const back = await cli(dir, "up", "--yes");
    expect(back.stderr).not.toContain("error:");
    expect(back.code).toBe(0);
    expect(back.stdout).toContain(
      `Moving ${n + 2} task(s) out of the Sprint into one resource each`,
    );
    sameStore();
    state = stateResources(dir);
    expect(state.filter((r) => r.type === SPRINT_TOKEN)).toHaveLength(0);
    const perTask = state.filter((r) => r.type === TASK_TOKEN);
    expect(perTask).toHaveLength(n + 2);
    expect(new Set(perTask.map((r) => r.id))).toEqual(new Set(ids.values()));

    const noopBack = await cli(dir, "up", "--yes", "--expect-no-changes");
    expect(noopBack.code).toBe(0);
    sameStore();

    const destroy = await cli(dir, "destroy", "--yes");
    expect(destroy.code).toBe(0);
    expect(emulator.snapshot().tasks).toEqual([]);
  });
  it("completes a move that failed half-way on the next up: no id lost, no task created", async () => {
    const dir = project(sprintYaml(20));
    expect((await cli(dir, "up", "--yes")).code).toBe(0);
    const ids = tasksByTitle();
    emulator.resetStats();
    // A preview says what would move, and changes neither the state nor the API.
    const preview = await cli(dir, "preview", "--bulk");
    expect(preview.code).toBe(0);
    expect(preview.stdout).toContain(
      `An up would move ${ids.size} task(s) into one Sprint resource: each is adopted by the id the state holds`,
    );
    expect(stateResources(dir).some((r) => r.retainOnDelete)).toBe(false);
    expect(Object.keys(emulator.stats().requests).filter((r) => !r.startsWith("GET "))).toEqual([]);
    // Every read of a task fails (400: not retried): the Sprint cannot adopt them.
    emulator.setFaults({ errorRate: 1, errorStatus: 400, routes: ["/v1/tasks"], methods: ["GET"] });
    const failed = await cli(dir, "up", "--bulk", "--yes");
    emulator.setFaults(undefined);
    expect(failed.code).toBe(1);
    // The per-task records still hold every id, marked to leave the state without a DELETE.
    const kept = stateResources(dir).filter((r) => r.type === TASK_TOKEN);
    expect(new Set(kept.map((r) => r.id))).toEqual(new Set(ids.values()));
    expect(kept.every((r) => r.retainOnDelete)).toBe(true);

    const rerun = await cli(dir, "up", "--bulk", "--yes");
    expect(rerun.stderr).not.toContain("error:");
    expect(rerun.code).toBe(0);
    expect(tasksByTitle()).toEqual(ids);
    expect(emulator.snapshot().tasks).toHaveLength(ids.size);
    expect(count(emulator, "POST /v1/tasks")).toBe(0);
    expect(count(emulator, "DELETE /v1/tasks/:taskId")).toBe(0);
    const state = stateResources(dir);
    expect(state.filter((r) => r.type === TASK_TOKEN)).toHaveLength(0);
    expect(state.find((r) => r.type === SPRINT_TOKEN)?.outputs?.taskIds).toEqual(
      Object.fromEntries(
        [...Array(20).keys()]
          .map((i) => [`t${i}`, ids.get(`Task ${i}`)])
          .concat([
            ["review", ids.get("Review")],
            ["release", ids.get("Release")],
          ]),
      ),
    );
    expect((await cli(dir, "destroy", "--yes")).code).toBe(0);
    expect(emulator.snapshot().tasks).toEqual([]);
  });
});
