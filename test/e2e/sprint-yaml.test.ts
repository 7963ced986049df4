/**
 * The Sprint from a Pulumi YAML program through the `pulumi` CLI and the YAML language host:
 * up creates the tasks in one resource with their dependencyIds, a no-op preview makes no API
 * call, and the preview of three edited tasks names exactly those tasks and fields in the
 * engine's detailed diff (`pulumi preview --json`).
 */
import { AcpClient } from "pulumi-acp";
import { createEmulator, type Emulator } from "pulumi-acp/emulator";
import { E2E_TOKEN } from "./harness";
import { YamlProject } from "./yaml-project";

jest.setTimeout(600_000);

/** The program: a Sprint of six tasks; `edit` changes the tasks' YAML. */
function program(edit: (tasks: string) => string = (t) => t): string {
  const tasks = `
        design:
          title: Design the checkout flow
          priority: high
        build:
          title: Build the checkout flow
          dependsOn: [design]
        docs:
          title: Document the checkout flow
          dependsOn: [design]
        test:
          title: Test the checkout flow
          dependsOn: [build, docs]
        launch:
          title: Launch
          dependsOn: [test]
        retro:
          title: Retrospective
          dependsOn: [launch]`;
  return `name: yaml-sprint
runtime: yaml
plugins:
  providers:
    - name: acp
      path: ../../node_modules/pulumi-acp/plugin
resources:
  sprint:
    type: acp:index:Sprint
    properties:
      defaults:
        projectId: proj_web
        sprintId: sprint_q1
      tasks:${edit(tasks)}
outputs:
  taskIds: \${sprint.taskIds}
`;
}

describe("a Sprint from a Pulumi YAML program", () => {
  let emulator: Emulator;
  let api: AcpClient;
  let project: YamlProject;

  beforeAll(async () => {
    emulator = createEmulator({ token: E2E_TOKEN });
    const baseUrl = await emulator.listen(0);
    api = new AcpClient({ baseUrl, token: E2E_TOKEN });
    project = new YamlProject();
    project.edit(() => program());
    await project.ok("stack", "init", "test");
    await project.ok("config", "set", "acp:baseUrl", baseUrl);
    await project.ok("config", "set", "--secret", "acp:token", E2E_TOKEN);
  });
  afterAll(async () => {
    await api?.close();
    await emulator?.close();
    project?.cleanup();
  });

  it("creates the tasks with their dependencyIds, then previews no change without an API call", async () => {
    await project.ok("up", "--yes");
    const ids = (await project.outputs()).taskIds as Record<string, string>;
    const byId = (id: string) => emulator.snapshot().tasks.find((t) => t.id === id);
    expect(emulator.snapshot().tasks).toHaveLength(6);
    expect(byId(ids.build)).toMatchObject({ sprintId: "sprint_q1", dependencyIds: [ids.design] });
    expect(new Set(byId(ids.test)?.dependencyIds)).toEqual(new Set([ids.build, ids.docs]));
    emulator.resetStats();
    await project.ok("preview", "--expect-no-changes");
    expect(emulator.stats().totalRequests).toBe(0);
  });

  it("previews three edited tasks by name and field", async () => {
    project.edit(() =>
      program((t) =>
        t
          .replace("title: Launch", "title: Launch it")
          .replace(
            "Document the checkout flow",
            "Document the checkout flow\n          priority: low",
          )
          .replace(
            "dependsOn: [build, docs]",
            "dependsOn: [docs, build]\n          description: end to end",
          ),
      ),
    );
    const preview = JSON.parse((await project.ok("preview", "--json")).stdout) as {
      steps: Array<{ urn: string; op: string; detailedDiff?: Record<string, { kind: string }> }>;
    };
    const step = preview.steps.find((s) => s.urn.endsWith("acp:index:Sprint::sprint"));
    expect(step?.op).toBe("update");
    expect(Object.keys(step?.detailedDiff ?? {}).sort()).toEqual([
      'tasks["docs"].priority',
      'tasks["launch"].title',
      'tasks["test"].description',
    ]);
  });
});
