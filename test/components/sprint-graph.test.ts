/**
 * SprintTaskGraph under Pulumi's mocks: one Sprint for every task, and the threads and runs of
 * the per-task design beside it, with the same names, given their task's id from the Sprint.
 */
import * as pulumi from "@pulumi/pulumi";
import { SprintTaskGraph } from "../../provider/components/sprint-graph";

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
        const state =
          args.type === "acp:index:Sprint"
            ? {
                ...args.inputs,
                taskIds: Object.fromEntries(
                  Object.keys(args.inputs.tasks as object).map((k) => [k, `task_${k}`]),
                ),
              }
            : args.inputs;
        return { id: `${args.name}-id`, state };
      },
      call: () => ({}),
    },
    "proj",
    "stack",
    false,
  );
});

const value = <T>(o: pulumi.Output<T>): Promise<T> =>
  new Promise((resolve) => o.apply((v) => resolve(v)));

describe("SprintTaskGraph", () => {
  it("declares one Sprint for the tasks, and each task's thread with its id from the Sprint", async () => {
    const graph = new SprintTaskGraph("s", {
      defaults: { projectId: "proj_1" },
      tasks: {
        build: { title: "Build", thread: { mode: "run", message: "go" } },
        ship: { title: "Ship", dependsOn: ["build"], adoptExistingId: "task_9" },
      },
      threads: { kickoff: { title: "Kickoff", dependsOn: ["ship"] } },
    });
    expect(await value(graph.taskIds)).toEqual({ build: "task_build", ship: "task_ship" });
    expect(await value(graph.threadIds)).toEqual({ build: "s-build-thread-id" });
    await value(graph.projectThreadIds);
    const byName = (n: string) => registered.filter((r) => r.name === n);
    expect(
      byName("s")
        .map((r) => r.type)
        .sort(),
    ).toEqual(["acp:index:Sprint", "acp:index:TaskGraph"]);
    const sprint = byName("s").find((r) => r.type === "acp:index:Sprint") as Registered;
    // The Sprint takes the tasks as declared, without their threads.
    expect(sprint.inputs).toMatchObject({
      defaults: { projectId: "proj_1" },
      tasks: {
        build: { title: "Build" },
        ship: { title: "Ship", dependsOn: ["build"], adoptExistingId: "task_9" },
      },
    });
    expect((sprint.inputs.tasks as Record<string, object>).build).not.toHaveProperty("thread");
    expect(registered.filter((r) => r.type.endsWith(":Task"))).toHaveLength(0);
    expect(byName("s-build-thread")[0].inputs).toMatchObject({
      taskId: "task_build",
      mode: "run",
    });
    expect(byName("s-thread-kickoff")[0].inputs).toMatchObject({ title: "Kickoff" });
    expect(graph.tasks).toEqual({});
    expect(graph.sprint).toBeDefined();
  });
});
