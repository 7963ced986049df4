import {
  CONFLICT_REASONS,
  RunThreadResponse,
  StartThreadResponse,
  Thread,
} from "../../provider/client/schemas";
import { createTask, useEmulator } from "./helpers";

const h = useEmulator({ budget: 1 });

describe("POST /v1/tasks/:taskId/start-thread", () => {
  it("is blocked until every dependency is done, then starts the first thread", async () => {
    const dep = await createTask(h, { title: "dep" });
    const task = await createTask(h, {
      title: "Build it",
      description: "Build the thing",
      assigneeAgentId: "agent_1",
      dependencyIds: [dep.id],
    });
    const blocked = await h.call("POST", `/v1/tasks/${task.id}/start-thread`, {});
    expect(blocked.status).toBe(409);
    expect(blocked.body).toMatchObject({
      reason: CONFLICT_REASONS.blockedByDependencies,
      blockingTaskIds: [dep.id],
    });
    expect(h.emulator.snapshot().threads).toHaveLength(0);

    await h.call("PATCH", `/v1/tasks/${dep.id}`, { status: "done" });
    const started = await h.call("POST", `/v1/tasks/${task.id}/start-thread`);
    expect(started.status).toBe(201);
    const { thread, task: linked } = StartThreadResponse.parse(started.body);
    expect(thread.id).toMatch(/^thr_/);
    expect(thread).toMatchObject({
      status: "active",
      title: "Build it",
      task: "Build the thing",
      agentId: "agent_1",
    });
    expect(linked).toMatchObject({ linkedThreadIds: [thread.id], lastStartedThreadId: thread.id });
    expect(linked?.status).toBe("backlog");
    expect(h.emulator.snapshot().budget).toBe(1);
  });

  it("answers 409 already_started with the existing thread's id", async () => {
    const task = await createTask(h);
    const first = await h.call("POST", `/v1/tasks/${task.id}/start-thread`, {
      moveToInProgress: true,
      agentId: "agent_2",
      environmentId: "env_1",
    });
    expect(first.body.task.status).toBe("in_progress");
    expect(first.body.thread).toMatchObject({ agentId: "agent_2", environmentId: "env_1" });
    const again = await h.call("POST", `/v1/tasks/${task.id}/start-thread`, {});
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      reason: CONFLICT_REASONS.alreadyStarted,
      threadId: first.body.thread.id,
    });
    expect(h.emulator.snapshot().threads).toHaveLength(1);
  });

  it("answers 404 for an unknown task and 422 for a bad body", async () => {
    expect((await h.call("POST", "/v1/tasks/task_nope/start-thread", {})).status).toBe(404);
    const task = await createTask(h);
    const bad = await h.call("POST", `/v1/tasks/${task.id}/start-thread`, { moveToInProgress: 1 });
    expect(bad.status).toBe(422);
    expect(bad.body.field).toBe("moveToInProgress");
  });
});

describe("POST /v1/tasks/:taskId/run-thread", () => {
  it("runs the prompt, links a new thread each time and charges the budget", async () => {
    const task = await createTask(h, { title: "T", description: "Describe the plan" });
    const answer = await h.call("POST", `/v1/tasks/${task.id}/run-thread`, {});
    expect(answer.status).toBe(201);
    const body = RunThreadResponse.parse(answer.body);
    expect(body.thread).toMatchObject({
      status: "completed",
      task: "Describe the plan",
      messageCount: 2,
      totalCost: 0.05,
    });
    expect(body.thread.inputTokens).toBeGreaterThan(0);
    expect(body.execution).toMatchObject({ success: true, durationMs: 0 });
    expect(body.execution?.response).toContain("Describe the plan");
    expect(body.execution?.usage?.outputTokens).toBe(body.thread.outputTokens);
    expect(body.subtasks).toEqual([]);
    expect(body.task?.status).toBe("backlog");

    const second = await h.call("POST", `/v1/tasks/${task.id}/run-thread`, {
      moveToInProgress: true,
    });
    expect(second.body.thread.id).not.toBe(body.thread.id);
    expect(second.body.task).toMatchObject({
      status: "in_progress",
      linkedThreadIds: [body.thread.id, second.body.thread.id],
      lastStartedThreadId: second.body.thread.id,
    });
    expect(h.emulator.snapshot().budget).toBeCloseTo(0.9, 10);
  });

  it("is deterministic: same prompt same answer, another prompt another answer", async () => {
    const task = await createTask(h);
    const run = (message: string) => h.call("POST", `/v1/tasks/${task.id}/run-thread`, { message });
    const [a, b, c] = [await run("hello"), await run("hello"), await run("goodbye")];
    expect(a.body.execution).toEqual(b.body.execution);
    expect(a.body.thread.outputTokens).toBe(b.body.thread.outputTokens);
    expect(c.body.execution.response).not.toBe(a.body.execution.response);
    expect(c.body.thread.outputTokens).not.toBe(a.body.thread.outputTokens);
  });

  it("takes message, else content, else task, else the task's own text", async () => {
    const task = await createTask(h, { title: "Title only" });
    const prompt = async (body: object) =>
      (await h.call("POST", `/v1/tasks/${task.id}/run-thread`, body)).body.thread.task;
    expect(await prompt({ message: "m", content: "c", task: "t" })).toBe("m");
    expect(await prompt({ content: "c", task: "t" })).toBe("c");
    expect(await prompt({ task: "t" })).toBe("t");
    expect(await prompt({})).toBe("Title only");
  });

  it("creates a subtask per '- [ ] ' line, stored as tasks", async () => {
    const task = await createTask(h, { projectId: "p9" });
    const answer = await h.call("POST", `/v1/tasks/${task.id}/run-thread`, {
      message: "Plan:\n- [ ] first step\n- [x] not this\n- [ ] second step",
    });
    expect(answer.body.subtasks.map((s: { title: string }) => s.title)).toEqual([
      "first step",
      "second step",
    ]);
    expect(answer.body.subtasks[0]).toMatchObject({
      type: "subtask",
      parentTaskId: task.id,
      projectId: "p9",
    });
    const listed = await h.call("GET", "/v1/tasks");
    expect(listed.body.tasks).toHaveLength(3);
  });

  it("answers 402 with currentBudget and changes nothing when the budget is too low", async () => {
    const task = await createTask(h);
    h.emulator.setBudget(0.04);
    const before = h.emulator.snapshot();
    const answer = await h.call("POST", `/v1/tasks/${task.id}/run-thread`, { message: "x" });
    expect(answer.status).toBe(402);
    expect(answer.body).toMatchObject({ error: "insufficient_budget", currentBudget: 0.04 });
    expect(h.emulator.snapshot()).toEqual(before);
  });

  it("answers 409 while blocked and reports a failing agent with 201", async () => {
    const dep = await createTask(h);
    const task = await createTask(h, { dependencyIds: [dep.id] });
    const blocked = await h.call("POST", `/v1/tasks/${task.id}/run-thread`, {});
    expect(blocked.status).toBe(409);
    expect(blocked.body.reason).toBe(CONFLICT_REASONS.blockedByDependencies);
    expect(h.emulator.snapshot().budget).toBe(1);

    h.emulator.setAgent({ fail: true });
    const free = await createTask(h);
    const failed = await h.call("POST", `/v1/tasks/${free.id}/run-thread`, { message: "- [ ] x" });
    expect(failed.status).toBe(201);
    expect(failed.body.execution.success).toBe(false);
    expect(failed.body.execution.error).toEqual(expect.stringMatching(/fail/));
    expect(failed.body.thread.status).toBe("failed");
    expect(failed.body.subtasks).toEqual([]);
  });

  it("takes agent.durationMs and does not overspend under concurrency", async () => {
    h.emulator.setAgent({ durationMs: 150, costPerRun: 0.3 });
    const task = await createTask(h);
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => h.call("POST", `/v1/tasks/${task.id}/run-thread`, {})),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 201, 402, 402]);
    expect(answers.find((a) => a.status === 201)?.body.execution.durationMs).toBe(150);
    expect(h.emulator.snapshot().budget).toBeCloseTo(0.1, 10);
  });
});

describe("/v1/threads", () => {
  it("creates a free active thread without content", async () => {
    const answer = await h.call("POST", "/v1/threads", { title: "Chat", projectId: "p1" });
    expect(answer.status).toBe(201);
    expect(Thread.parse(answer.body.thread)).toMatchObject({ status: "active", title: "Chat" });
    expect(h.emulator.snapshot().budget).toBe(1);
  });

  it("executes content at once and charges it, or answers 402 changing nothing", async () => {
    const answer = await h.call("POST", "/v1/threads", { content: "Summarise the docs" });
    expect(answer.body.thread).toMatchObject({ status: "completed", messageCount: 2 });
    expect(answer.body.thread.lastMessagePreview).toContain("Summarise the docs");
    expect(h.emulator.snapshot().budget).toBeCloseTo(0.95, 10);
    h.emulator.setBudget(0);
    const refused = await h.call("POST", "/v1/threads", { task: "legacy alias" });
    expect(refused.status).toBe(402);
    expect(refused.body.currentBudget).toBe(0);
    expect(h.emulator.snapshot().threads).toHaveLength(1);
  });

  it("reads, updates and deletes a thread; deleting unlinks it from its task", async () => {
    const task = await createTask(h);
    const { thread } = (await h.call("POST", `/v1/tasks/${task.id}/start-thread`)).body;
    expect((await h.call("GET", `/v1/threads/${thread.id}`)).body.thread).toEqual(thread);
    const updated = await h.call("PATCH", `/v1/threads/${thread.id}`, {
      title: "Renamed",
      metadata: { k: "v" },
    });
    expect(updated.body.thread).toMatchObject({ title: "Renamed", metadata: { k: "v" } });
    const badPatch = await h.call("PATCH", `/v1/threads/${thread.id}`, { status: "done" });
    expect(badPatch.status).toBe(422);
    expect(badPatch.body.field).toBe("status");

    expect((await h.call("DELETE", `/v1/threads/${thread.id}`)).status).toBe(204);
    expect((await h.call("GET", `/v1/threads/${thread.id}`)).status).toBe(404);
    expect((await h.call("PATCH", `/v1/threads/${thread.id}`, { title: "x" })).status).toBe(404);
    expect((await h.call("DELETE", `/v1/threads/${thread.id}`)).status).toBe(404);
    const after = (await h.call("GET", `/v1/tasks/${task.id}`)).body.task;
    expect(after.linkedThreadIds).toEqual([]);
    expect(after).not.toHaveProperty("lastStartedThreadId");
    // With its thread gone, the task can be started again.
    expect((await h.call("POST", `/v1/tasks/${task.id}/start-thread`)).status).toBe(201);
  });
});
