/** check and diff of the TaskThread provider, called directly (no engine, no network). */
import { TaskThreadProviderImpl } from "../../provider/core/task-thread/provider";
import { UNKNOWN } from "../../provider/core/compare";

const impl = new TaskThreadProviderImpl();
const failuresOf = async (news: Record<string, unknown>) =>
  (await impl.check({}, news)).failures ?? [];
const diff = (olds: Record<string, unknown>, news: Record<string, unknown>) =>
  impl.diff("thr_1", olds, news as never);

describe("TaskThread check", () => {
  it("accepts start and run threads", async () => {
    expect(await failuresOf({ taskId: "task_1" })).toEqual([]);
    expect(
      await failuresOf({
        taskId: "task_1",
        mode: "run",
        message: "go",
        agentId: "agent_1",
        environmentId: "env_1",
        moveToInProgress: true,
        title: "t",
        metadata: { a: 1 },
        onBlocked: "wait",
        waitTimeoutSeconds: 60,
        pollIntervalSeconds: 1,
      }),
    ).toEqual([]);
  });

  it.each([
    [{}, "taskId", /required/],
    [{ taskId: " " }, "taskId", /non-empty/],
    [{ taskId: "t", mode: "execute" }, "mode", /start.*run/],
    [{ taskId: "t", onBlocked: "retry" }, "onBlocked", /fail.*wait/],
    [{ taskId: "t", waitTimeoutSeconds: -1 }, "waitTimeoutSeconds", /0 or more seconds/],
    [{ taskId: "t", pollIntervalSeconds: 0 }, "pollIntervalSeconds", /at least/],
    [{ taskId: "t", message: "hi" }, "message", /only with mode "run"/],
    [{ taskId: "t", mesage: "hi" }, "mesage", /not a property/],
  ])("reports %j on %s", async (news, property, reason) => {
    expect(await failuresOf(news)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ property, reason: expect.stringMatching(reason) }),
      ]),
    );
  });

  it("tolerates a task id not known until apply", async () => {
    expect(await failuresOf({ taskId: UNKNOWN, mode: "run" })).toEqual([]);
  });
});

describe("TaskThread diff", () => {
  const olds = {
    taskId: "task_1",
    mode: "run",
    message: "go",
    agentId: "agent_server_chose",
    title: "Thread",
    metadata: { a: 1 },
    execution: { success: true },
  };

  it("shows no change for the same inputs, and none for an agent the API chose", async () => {
    expect(await diff(olds, { taskId: "task_1", mode: "run", message: "go" })).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it.each([
    ["taskId", { taskId: "task_2", mode: "run", message: "go" }],
    ["mode", { taskId: "task_1", message: "go" }],
    ["message", { taskId: "task_1", mode: "run", message: "go on" }],
    ["agentId", { taskId: "task_1", mode: "run", message: "go", agentId: "agent_2" }],
    ["environmentId", { taskId: "task_1", mode: "run", message: "go", environmentId: "env_2" }],
  ])("replaces on %s", async (field, news) => {
    const res = await diff(olds, news);
    expect(res.changes).toBe(true);
    expect(res.replaces).toContain(field);
  });

  it("deletes a start thread before replacing it (a task has one start-thread), not a run thread", async () => {
    const start = { taskId: "task_1", mode: "start", agentId: "agent_1" };
    const replaced = await diff(start, { taskId: "task_1", mode: "start", agentId: "agent_2" });
    expect(replaced).toMatchObject({ replaces: ["agentId"], deleteBeforeReplace: true });
    const run = await diff(olds, { taskId: "task_1", mode: "run", message: "again" });
    expect(run).toMatchObject({ replaces: ["message"], deleteBeforeReplace: false });
  });

  it("updates title and metadata in place", async () => {
    const res = await diff(olds, {
      taskId: "task_1",
      mode: "run",
      message: "go",
      title: "New",
      metadata: { a: 2 },
    });
    expect(res).toMatchObject({ changes: true, replaces: [] });
  });

  it("runs a failed execution again", async () => {
    const failed = { ...olds, execution: { success: false, error: "boom" } };
    expect((await diff(failed, { taskId: "task_1", mode: "run", message: "go" })).replaces).toEqual(
      ["message"],
    );
  });

  it("replaces on a change of triggers only, and a state from before triggers shows no change", async () => {
    const news = { taskId: "task_1", mode: "run", message: "go" };
    expect((await diff(olds, news)).changes).toBe(false);
    const withTriggers = { ...olds, triggers: [{ release: 2, day: "mon" }] };
    expect(
      (await diff(withTriggers, { ...news, triggers: [{ day: "mon", release: 2 }] })).changes,
    ).toBe(false);
    expect(await diff(withTriggers, { ...news, triggers: [{ day: "tue", release: 2 }] })).toEqual({
      changes: true,
      replaces: ["triggers"],
      deleteBeforeReplace: false,
    });
    expect((await diff(olds, { ...news, triggers: ["r1"] })).replaces).toEqual(["triggers"]);
  });

  it("reports triggers that are not a list", async () => {
    expect(await failuresOf({ taskId: "t", triggers: "r1" })).toEqual([
      expect.objectContaining({ property: "triggers", reason: expect.stringMatching(/list/) }),
    ]);
  });

  it("replaces when the task id is not known yet", async () => {
    expect((await diff(olds, { taskId: UNKNOWN, mode: "run", message: "go" })).replaces).toContain(
      "taskId",
    );
  });
});
