/**
 * TaskGraph under Pulumi's mocks: which children it declares, how they are wired, and that an
 * invalid graph throws before anything is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { TaskGraph } from "../../provider/components/task-graph";
import { TaskGraphError } from "../../provider/components/graph";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

const registered: Registered[] = [];

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: () => ({}),
    },
    "proj",
    "stack",
    false,
  );
});
beforeEach(() => {
  registered.length = 0;
});

const value = <T>(o: pulumi.Output<T>): Promise<T> =>
  new Promise((resolve) => o.apply((v) => resolve(v)));

describe("TaskGraph", () => {
  it("gives the thread of an adopted task the adopted id, known before the task is read", async () => {
    const graph = new TaskGraph("a", {
      tasks: {
        build: { title: "Build", adoptExistingId: "task_7", thread: { mode: "run" } },
      },
    });
    await value(graph.threadIds);
    const thread = registered.find((r) => r.name === "a-build-thread") as Registered;
    expect(thread.inputs.taskId).toBe("task_7");
  });

  it("declares a task per key and a thread where asked, wired and defaulted", async () => {
    const graph = new TaskGraph("s", {
      defaults: { sprintId: "sp_1", priority: "low" },
      tasks: {
        ship: { title: "Ship", dependsOn: ["build", "docs"], priority: "urgent" },
        build: { title: "Build", thread: { mode: "run", message: "go" } },
        docs: { title: 'Docs "v2"' },
      },
    });
    expect(await value(graph.taskIds)).toEqual({
      ship: "s-ship-id",
      build: "s-build-id",
      docs: "s-docs-id",
    });
    expect(await value(graph.threadIds)).toEqual({ build: "s-build-thread-id" });
    expect(Object.keys(graph.tasks).sort()).toEqual(["build", "docs", "ship"]);
    const byName = (n: string) => registered.find((r) => r.name === n) as Registered;
    expect(byName("s").type).toBe("acp:index:TaskGraph");
    expect(byName("s-ship").inputs).toMatchObject({
      title: "Ship",
      priority: "urgent",
      sprintId: "sp_1",
      dependencyIds: ["s-build-id", "s-docs-id"],
    });
    expect(byName("s-docs").inputs).toMatchObject({ priority: "low", sprintId: "sp_1" });
    // A task without dependsOn leaves its dependencies unmanaged.
    expect(byName("s-docs").inputs.dependencyIds).toBeUndefined();
    expect(byName("s-build-thread").inputs).toMatchObject({
      taskId: "s-build-id",
      mode: "run",
      message: "go",
    });
    expect(registered.filter((r) => r.type.endsWith("acp:Task"))).toHaveLength(3);
    expect(await value(graph.mermaid)).toBe(
      [
        "flowchart TD",
        '  t_ship["Ship"]',
        '  t_build["Build"]',
        '  t_docs["Docs #quot;v2#quot;"]',
        "  t_build --> t_ship",
        "  t_docs --> t_ship",
      ].join("\n"),
    );
  });

  it("throws on a cycle before registering anything", () => {
    let caught: unknown;
    try {
      new TaskGraph("bad", {
        tasks: {
          a: { title: "A", dependsOn: ["c"] },
          b: { title: "B", dependsOn: ["a"] },
          c: { title: "C", dependsOn: ["b"] },
        },
      });
    } catch (err) {
      caught = err;
    }
    expect(TaskGraphError.isInstance(caught)).toBe(true);
    expect((caught as Error).message).toBe(
      'TaskGraph "bad": invalid task graph: dependency cycle: a -> c -> b -> a (each task depends on the next): remove one of these dependencies',
    );
    expect(registered).toEqual([]);
  });

  it("throws on an unknown dependency naming the task, the key and close matches", () => {
    expect(
      () =>
        new TaskGraph("bad", {
          tasks: { design: { title: "D" }, build: { title: "B", dependsOn: ["desing"] } },
        }),
    ).toThrow('task "build" depends on unknown task "desing" (did you mean "design"?)');
    expect(registered).toEqual([]);
  });

  it("declares its project threads and runs, after the tasks they wait for, and draws them", async () => {
    const graph = new TaskGraph("w", {
      tasks: { plan: { title: "Plan" }, build: { title: "Build", dependsOn: ["plan"] } },
      threads: { kickoff: { title: "Kickoff", content: "Plan the sprint", triggers: ["s42"] } },
      runs: {
        setup: { serverId: "srv_1", prompt: "Prepare", dependsOn: ["plan"] },
        index: { serverId: "srv_1", content: "Index", mode: "async", title: "Index repo" },
      },
    });
    expect(await value(graph.projectThreadIds)).toEqual({ kickoff: "w-thread-kickoff-id" });
    expect(await value(graph.runIds)).toEqual({
      setup: "w-run-setup-id",
      index: "w-run-index-id",
    });
    const byName = (n: string) => registered.find((r) => r.name === n) as Registered;
    expect(byName("w-thread-kickoff").inputs).toMatchObject({
      title: "Kickoff",
      content: "Plan the sprint",
      triggers: ["s42"],
    });
    expect(byName("w-run-setup").inputs).toMatchObject({ serverId: "srv_1", prompt: "Prepare" });
    // dependsOn orders the resources; it is not an input of the run.
    expect(byName("w-run-setup").inputs.dependsOn).toBeUndefined();
    expect(registered.filter((r) => r.type.endsWith("acp:Thread"))).toHaveLength(1);
    expect(registered.filter((r) => r.type.endsWith("acp:AgentRun"))).toHaveLength(2);
    expect(await value(graph.mermaid)).toBe(
      [
        "flowchart TD",
        '  t_plan["Plan"]',
        '  t_build["Build"]',
        "  t_plan --> t_build",
        '  th_kickoff(["Thread: Kickoff"])',
        '  run_setup[["Run: setup"]]',
        "  t_plan --> run_setup",
        '  run_index[["Run: Index repo"]]',
      ].join("\n"),
    );
  });

  it("refuses threads and runs that wait for unknown tasks or clash with a task's name", () => {
    expect(
      () =>
        new TaskGraph("bad", {
          tasks: { plan: { title: "P" }, "run-x": { title: "X" } },
          threads: { kickoff: { content: "go", dependsOn: ["pln"] } },
          runs: { x: { serverId: "srv_1", prompt: "p" } },
        }),
    ).toThrow(
      /threads\.kickoff\.dependsOn: "pln" is not a task of the graph \(did you mean "plan"\?\)[\s\S]*runs\.x: its resource name "bad-run-x" is a task's too/,
    );
    expect(registered).toEqual([]);
  });
});
