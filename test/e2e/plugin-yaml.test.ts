/**
 * The `acp` provider plugin from a Pulumi YAML program through the `pulumi` CLI and the YAML
 * language host: examples/yaml-sprint as a user runs it (a TaskGraph sprint, a Task depending on
 * it, an imported task), then the behaviours the dynamic suites check, asserted on the
 * emulator's store and request log.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { AcpClient } from "pulumi-acp";
import { createEmulator, type Emulator } from "pulumi-acp/emulator";
import { E2E_TOKEN } from "./harness";
import { YamlProject } from "./yaml-project";

jest.setTimeout(600_000);

const PAST: Record<string, string> = {
  created: "create",
  updated: "update",
  deleted: "delete",
  replaced: "replace",
  imported: "import",
};

/** The "Resources:" summary of an up or preview, e.g. `{ create: 2, same: 3 }`. */
function changes(out: string): Record<string, number> {
  const summary: Record<string, number> = {};
  for (const m of out.matchAll(
    /^\s+([+~=-]|\+-)\s+(\d+) to (create|update|delete|replace|import)/gm,
  )) {
    summary[m[3]] = Number(m[2]);
  }
  for (const m of out.matchAll(
    /^\s+[+~=-]*\s*(\d+) (created|updated|deleted|replaced|imported)/gm,
  )) {
    summary[PAST[m[2]]] = Number(m[1]);
  }
  return summary;
}

describe("the acp plugin from a Pulumi YAML program", () => {
  let emulator: Emulator;
  let api: AcpClient;
  let project: YamlProject;
  let handMadeId: string;
  let ids: Record<string, string>;

  const store = () => emulator.snapshot().tasks;
  const byId = (id: string) => store().find((t) => t.id === id);
  const expectNoChanges = async () => {
    await project.ok("preview", "--expect-no-changes");
  };

  beforeAll(async () => {
    emulator = createEmulator({ token: E2E_TOKEN });
    const baseUrl = await emulator.listen(0);
    api = new AcpClient({ baseUrl, token: E2E_TOKEN });
    handMadeId = (await api.tasks.create({ title: "Triage the bug backlog" })).id as string;
    project = new YamlProject();
    await project.ok("stack", "init", "test");
    await project.ok("config", "set", "acp:baseUrl", baseUrl);
    await project.ok("config", "set", "--secret", "acp:token", E2E_TOKEN);
  });
  afterAll(async () => {
    await api?.close();
    await emulator?.close();
    project?.cleanup();
  });

  it("imports the hand-made task, creates the sprint and the release, then shows no changes without an API call", async () => {
    await project.ok("import", "acp:index:Task", "triage", handMadeId, "--yes");
    const up = await project.ok("up", "--yes");
    expect(changes(up.stdout)).toEqual({ create: 8 });
    const outputs = await project.outputs();
    ids = outputs.taskIds as Record<string, string>;
    expect(byId(ids.design)).toMatchObject({
      projectId: "proj_web",
      sprintId: "sprint_q1",
      priority: "high",
    });
    expect(byId(ids.build)).toMatchObject({ priority: "medium", dependencyIds: [ids.design] });
    const release = byId(outputs.releaseId as string);
    expect(new Set(release?.dependencyIds)).toEqual(new Set([ids.build, ids.docs]));
    const thread = emulator
      .snapshot()
      .threads.find((t) => t.id === (outputs.threadIds as Record<string, string>).design);
    expect(thread?.title).toBe("Checkout design");
    expect(store()).toHaveLength(5);
    // The sprint's kickoff thread and its setup run: each ran once.
    const kickoff = emulator
      .snapshot()
      .threads.find((t) => t.id === (outputs.projectThreadIds as Record<string, string>).kickoff);
    expect(kickoff).toMatchObject({ title: "Checkout kickoff", status: "completed" });
    const run = emulator
      .snapshot()
      .runs.find((r) => r.id === (outputs.runIds as Record<string, string>).sandbox);
    expect(run).toMatchObject({ serverId: "srv_sandbox", mode: "async", status: "completed" });
    expect(emulator.stats().agentExecutions).toMatchObject({ threadContent: 1, serverRun: 1 });
    emulator.resetStats();
    await expectNoChanges();
    expect(emulator.stats().totalRequests).toBe(0);
  });

  it("keeps the secret token out of the stored state", () => {
    const stacks = path.join(project.root, ".state", ".pulumi", "stacks");
    const text = fs
      .readdirSync(stacks, { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".json"))
      .map((f) => fs.readFileSync(path.join(stacks, f), "utf8"))
      .join("\n");
    expect(text).toContain("acp:index:Task");
    expect(text).not.toContain(E2E_TOKEN);
  });

  it("refreshes with no changes", async () => {
    await project.ok("refresh", "--yes", "--expect-no-changes");
  });

  it("updates an edited field in place with one PATCH of that field", async () => {
    project.edit((t) => t.replace("Cart, payment and receipt pages", "Cart and payment pages"));
    const mark = emulator.log.length;
    await project.ok("up", "--yes");
    expect(
      emulator.log
        .slice(mark)
        .filter((e) => e.method === "PATCH")
        .map((e) => e.body),
    ).toEqual([{ description: "Cart and payment pages" }]);
    await expectNoChanges();
  });

  it("replaces the release when its project changes", async () => {
    const before = (await project.outputs()).releaseId as string;
    project.edit((t) =>
      t.replace(
        "      projectId: proj_web\n      priority: urgent",
        "      projectId: proj_ops\n      priority: urgent",
      ),
    );
    const up = await project.ok("up", "--yes");
    expect(changes(up.stdout)).toMatchObject({ replace: 1 });
    const after = (await project.outputs()).releaseId as string;
    expect(after).not.toBe(before);
    expect(byId(before)).toBeUndefined();
    expect(byId(after)?.projectId).toBe("proj_ops");
    await expectNoChanges();
  });

  it("shows drift on refresh and reverts it on up; recreates a task deleted out of band", async () => {
    await api.tasks.update(ids.docs, { title: "Renamed by hand" });
    const refresh = await project.ok("refresh", "--yes");
    expect(changes(refresh.stdout)).toMatchObject({ update: 1 });
    await project.ok("up", "--yes");
    expect(byId(ids.docs)?.title).toBe("Document the checkout flow");
    const release = (await project.outputs()).releaseId as string;
    await api.tasks.delete(release);
    await project.ok("refresh", "--yes");
    await project.ok("up", "--yes");
    const recreated = (await project.outputs()).releaseId as string;
    expect(recreated).not.toBe(release);
    expect(byId(recreated)?.title).toBe("Release the checkout flow");
    await expectNoChanges();
  });

  it("imports a task with the import option, and a task's thread and a Thread with pulumi import; the next preview shows no changes", async () => {
    const task = await api.tasks.create({ title: "Imported by id", priority: "high" });
    const started = await api.tasks.startThread(task.id as string, {});
    const threadId = started.thread.id as string;
    await project.ok(
      "import",
      "acp:index:TaskThread",
      "imported-thread",
      `${task.id}/${threadId}`,
      "--yes",
    );
    // A Thread by its id: the plugin's schema serves acp:index:Thread to the YAML language host.
    const kickoff = await api.threads.create({ title: "Kickoff", content: "Plan the sprint" });
    const executed = emulator.stats().agentExecutions.threadContent;
    await project.ok("import", "acp:index:Thread", "kickoff", kickoff.id as string, "--yes");
    expect(emulator.stats().agentExecutions.threadContent).toBe(executed);
    project.edit((t) =>
      t.replace(
        "outputs:",
        [
          "  imported:",
          "    type: acp:index:Task",
          "    properties:",
          "      title: Imported by id",
          "      priority: high",
          "    options:",
          `      import: ${task.id}`,
          "  imported-thread:",
          "    type: acp:index:TaskThread",
          "    properties:",
          "      taskId: ${imported.id}",
          "  kickoff:",
          "    type: acp:index:Thread",
          "    properties:",
          "      title: Kickoff",
          "      content: Plan the sprint",
          "outputs:",
        ].join("\n"),
      ),
    );
    const up = await project.ok("up", "--yes");
    expect(changes(up.stdout)).toEqual({ import: 1 });
    // The imported thread, declared with its first message, is not run again.
    expect(emulator.stats().agentExecutions.threadContent).toBe(executed);
    emulator.resetStats();
    await expectNoChanges();
    expect(emulator.stats().totalRequests).toBe(0);
    expect(byId(task.id as string)).toMatchObject({ title: "Imported by id", priority: "high" });
    expect(emulator.snapshot().threads.find((t) => t.id === kickoff.id)?.task).toBe(
      "Plan the sprint",
    );
  });

  it("fails a TaskGraph with a cycle or an unknown key, naming the keys, before any change", async () => {
    const before = emulator.snapshot();
    project.edit((t) =>
      t.replace("dependsOn: [design]\n          dueAt", "dependsOn: [desgin]\n          dueAt"),
    );
    const bad = await project.run("preview");
    expect(bad.code).not.toBe(0);
    expect(bad.stdout + bad.stderr).toContain(
      'TaskGraph "sprint": invalid task graph: task "docs" depends on unknown task "desgin" (did you mean "design"?)',
    );
    project.edit((t) =>
      t
        .replace("dependsOn: [desgin]", "dependsOn: [design]")
        .replace("priority: high\n", "priority: high\n          dependsOn: [docs]\n"),
    );
    const cycle = await project.run("preview");
    expect(cycle.code).not.toBe(0);
    expect(cycle.stdout + cycle.stderr).toContain(
      'TaskGraph "sprint": invalid task graph: dependency cycle: design -> docs -> design',
    );
    expect(emulator.snapshot().tasks).toEqual(before.tasks);
    project.edit((t) =>
      t.replace("priority: high\n          dependsOn: [docs]\n", "priority: high\n"),
    );
  });

  it("destroy empties the store", async () => {
    await project.ok("destroy", "--yes");
    expect(store()).toEqual([]);
    // The runs stay (the API cannot delete them), and with them their own threads only.
    const runs = emulator.snapshot().runs;
    expect(runs).toHaveLength(1);
    expect(emulator.snapshot().threads.map((t) => t.id)).toEqual([runs[0].threadId]);
  });
});
