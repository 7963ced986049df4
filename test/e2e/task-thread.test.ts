/** TaskThread through the real engine against the emulator. */
import * as pulumi from "@pulumi/pulumi";
import { AcpClient, Task, TaskThread, type TaskThreadArgs } from "pulumi-acp";
import { changesOf, E2E_TOKEN, Harness } from "./harness";

jest.setTimeout(600_000);

interface Scenario {
  /** Thread args by resource name; taskId is given as a task key. */
  threads: Record<string, Omit<TaskThreadArgs, "taskId"> & { task: "design" | "build" | "review" }>;
}

/** design (no dependencies), build (depends on design), review (no dependencies). */
function program(s: Scenario) {
  return async () => {
    const design = new Task("design", { title: "Design", description: "Draft the API design" });
    const build = new Task("build", { title: "Build", dependencyIds: [design.id] });
    const review = new Task("review", { title: "Review", description: "Review the design" });
    const tasks = { design, build, review };
    const threads: Record<string, TaskThread> = {};
    for (const [name, { task, ...args }] of Object.entries(s.threads)) {
      threads[name] = new TaskThread(name, { ...args, taskId: tasks[task].id });
    }
    return {
      taskIds: pulumi.all({ design: design.id, build: build.id, review: review.id }),
      threads: pulumi.output(
        Object.fromEntries(
          Object.entries(threads).map(([n, t]) => [
            n,
            {
              id: t.id,
              status: t.status,
              title: t.title,
              taskStatus: t.taskStatus,
              execution: t.execution,
              subtaskIds: t.subtaskIds,
              inputTokens: t.inputTokens,
            },
          ]),
        ),
      ),
    };
  };
}

describe("TaskThread through the engine", () => {
  let h: Harness;
  let api: AcpClient;
  const snapshot = () => h.emulator.snapshot();
  const failedUp = async () => {
    const err = await h.up().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    return String((err as Error).message);
  };

  beforeAll(async () => {
    h = await Harness.create({
      program: program({ threads: {} }),
      emulator: { budget: 10, agent: { costPerRun: 1, durationMs: 50 } },
    });
    api = new AcpClient({ baseUrl: h.baseUrl, token: E2E_TOKEN });
  });
  afterAll(async () => {
    await api?.close();
    await h?.cleanup();
  });

  it("waits for a blocked task and runs its thread once the dependency is done", async () => {
    h.setProgram(
      program({
        threads: {
          "build-run": {
            task: "build",
            mode: "run",
            message: "Implement the design",
            onBlocked: "wait",
            waitTimeoutSeconds: 120,
            pollIntervalSeconds: 0.5,
          },
        },
      }),
    );
    // Someone finishes the design while the engine waits on the build thread.
    let unblocked = false;
    const finisher = setInterval(() => {
      const design = snapshot().tasks.find((t) => t.title === "Design");
      if (design && !unblocked) {
        unblocked = true;
        void api.tasks.update(design.id as string, { status: "done" });
      }
    }, 300);
    let up;
    try {
      up = await h.up();
    } finally {
      clearInterval(finisher);
    }
    const out = (up.outputs.threads as Record<string, Record<string, unknown>>)["build-run"];
    const ids = up.outputs.taskIds as Record<string, string>;
    const store = snapshot();
    const thread = store.threads.find((t) => t.id === out.id);
    expect(thread).toBeDefined();
    expect(thread?.status).toBe("completed");
    expect(store.tasks.find((t) => t.id === ids.build)?.linkedThreadIds).toEqual([out.id]);
    expect(out.execution).toMatchObject({
      success: true,
      usage: { inputTokens: expect.any(Number) },
    });
    expect(out.inputTokens).toBe(
      (out.execution as { usage: { inputTokens: number } }).usage.inputTokens,
    );
    expect(store.budget).toBe(9);
    expect(changesOf((await h.preview()).summary)).toEqual({});
  });

  const both = {
    "build-run": {
      task: "build" as const,
      mode: "run" as const,
      message: "Implement the design",
      onBlocked: "wait" as const,
      waitTimeoutSeconds: 120,
      pollIntervalSeconds: 0.5,
    },
    "review-start": {
      task: "review" as const,
      mode: "start" as const,
      moveToInProgress: true,
      title: "Review kickoff",
    },
  };

  it("starts a task's first thread, moving the task to in_progress and setting the title", async () => {
    h.setProgram(program({ threads: both }));
    const up = await h.up();
    const out = (up.outputs.threads as Record<string, Record<string, unknown>>)["review-start"];
    const ids = up.outputs.taskIds as Record<string, string>;
    const review = snapshot().tasks.find((t) => t.id === ids.review);
    expect(review?.status).toBe("in_progress");
    expect(review?.lastStartedThreadId).toBe(out.id);
    expect(out).toMatchObject({
      taskStatus: "in_progress",
      title: "Review kickoff",
      status: "active",
    });
    expect(snapshot().threads.find((t) => t.id === out.id)?.title).toBe("Review kickoff");
    expect(snapshot().budget).toBe(9); // start-thread costs nothing
    expect(changesOf((await h.preview()).summary)).toEqual({});
    expect(changesOf((await h.refresh()).summary)).toEqual({});
  });

  it("updates a thread's title in place and replaces a run whose message changes", async () => {
    const before = await h.up();
    const prev = before.outputs.threads as Record<string, Record<string, unknown>>;
    h.setProgram(
      program({
        threads: {
          "build-run": { ...both["build-run"], message: "Implement the design, with tests" },
          "review-start": { ...both["review-start"], title: "Review: round one" },
        },
      }),
    );
    const up = await h.up();
    expect(changesOf(up.summary)).toEqual({ update: 1, replace: 1 });
    const now = up.outputs.threads as Record<string, Record<string, unknown>>;
    expect(now["review-start"].id).toBe(prev["review-start"].id);
    expect(snapshot().threads.find((t) => t.id === now["review-start"].id)?.title).toBe(
      "Review: round one",
    );
    expect(now["build-run"].id).not.toBe(prev["build-run"].id);
    expect(snapshot().threads.find((t) => t.id === prev["build-run"].id)).toBeUndefined();
    expect((now["build-run"].execution as { response: string }).response).not.toBe(
      (prev["build-run"].execution as { response: string }).response,
    );
    both["build-run"].message = "Implement the design, with tests";
    both["review-start"].title = "Review: round one";
  });

  it("replaces a start thread by deleting it first, since a task has only one", async () => {
    const before = (await h.stack.outputs()).threads.value as Record<
      string,
      Record<string, unknown>
    >;
    const ids = (await h.stack.outputs()).taskIds.value as Record<string, string>;
    both["review-start"] = {
      ...both["review-start"],
      agentId: "agent_reviewer",
    } as (typeof both)["review-start"];
    h.setProgram(program({ threads: both }));
    const up = await h.up();
    expect(changesOf(up.summary)).toEqual({ replace: 1 });
    const now = (up.outputs.threads as Record<string, Record<string, unknown>>)["review-start"];
    expect(now.id).not.toBe(before["review-start"].id);
    const review = snapshot().tasks.find((t) => t.id === ids.review);
    expect(review?.linkedThreadIds).toEqual([now.id]);
    expect(snapshot().threads.find((t) => t.id === now.id)?.agentId).toBe("agent_reviewer");
  });

  it("fails clearly on 402, naming the budget, and creates no thread", async () => {
    h.emulator.setBudget(0.5);
    const threadsBefore = snapshot().threads.length;
    h.setProgram(program({ threads: { ...both, "design-run": { task: "design", mode: "run" } } }));
    const message = await failedUp();
    expect(message).toMatch(/budget/i);
    expect(message).toMatch(/0\.5/);
    expect(message).not.toContain(E2E_TOKEN);
    expect(snapshot().threads).toHaveLength(threadsBefore);
    h.emulator.setBudget(10);
  });

  it("says which thread exists when start-thread finds the task already started", async () => {
    h.setProgram(
      program({ threads: { ...both, "review-start-again": { task: "review", mode: "start" } } }),
    );
    const message = await failedUp();
    const existing = snapshot().threads.find((t) => t.title === "Review: round one");
    expect(message).toContain(`already has thread ${existing?.id}`);
    expect(message).toMatch(/mode: "run"/);
  });

  it("fails at once on a blocked task without onBlocked wait, creating nothing", async () => {
    const ids = (await h.stack.outputs()).taskIds.value as Record<string, string>;
    await api.tasks.update(ids.design, { status: "in_progress" });
    const threadsBefore = snapshot().threads.length;
    h.setProgram(
      program({
        threads: { ...both, "build-again": { task: "build", mode: "run", message: "again" } },
      }),
    );
    const message = await failedUp();
    expect(message).toMatch(/blocked by dependencies/);
    expect(message).toContain(ids.design);
    expect(snapshot().threads).toHaveLength(threadsBefore);
  });

  it("destroy deletes the threads and the tasks", async () => {
    h.setProgram(program({ threads: both }));
    await h.destroy();
    expect(snapshot().threads).toHaveLength(0);
    expect(snapshot().tasks).toHaveLength(0);
  });
});
