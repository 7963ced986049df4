import { CONFLICT_REASONS, LIST_DEFAULT_LIMIT, Task } from "../../provider/client/schemas";
import { createTask, useEmulator } from "./helpers";

const h = useEmulator();

describe("POST /v1/tasks", () => {
  it("creates a task with server-assigned id, owner, timestamps and defaults", async () => {
    const answer = await h.call("POST", "/v1/tasks", { title: "Write docs", projectId: "p1" });
    expect(answer.status).toBe(201);
    const task = answer.body.task;
    expect(Task.parse(task)).toBeTruthy();
    expect(task.id).toMatch(/^task_/);
    expect(task).toMatchObject({
      title: "Write docs",
      projectId: "p1",
      userId: "user_emulator",
      status: "backlog",
      priority: "medium",
      dependencyIds: [],
      linkedThreadIds: [],
      metadata: {},
      sortOrder: 0,
    });
    expect(new Date(task.createdAt).toISOString()).toBe(task.createdAt);
    expect(task.updatedAt).toBe(task.createdAt);
    expect(h.emulator.snapshot().tasks).toEqual([task]);
  });

  it("gives every task a unique id", async () => {
    const tasks = await Promise.all(Array.from({ length: 20 }, () => createTask(h)));
    expect(new Set(tasks.map((t) => t.id)).size).toBe(20);
  });

  it("sets completedAt when created done", async () => {
    const task = await createTask(h, { status: "done" });
    expect(task.completedAt).toEqual(expect.any(String));
    const given = await createTask(h, { status: "done", completedAt: "2026-01-02T03:04:05Z" });
    expect(given.completedAt).toBe("2026-01-02T03:04:05Z");
  });

  it("refuses in_review, a missing title and unknown fields with 422 naming the field", async () => {
    const inReview = await h.call("POST", "/v1/tasks", { title: "x", status: "in_review" });
    expect(inReview.status).toBe(422);
    expect(inReview.body).toMatchObject({ error: "validation_error", field: "status" });
    const noTitle = await h.call("POST", "/v1/tasks", { description: "d" });
    expect(noTitle.status).toBe(422);
    expect(noTitle.body.field).toBe("title");
    const unknown = await h.call("POST", "/v1/tasks", { title: "x", colour: "red" });
    expect(unknown.status).toBe(422);
    expect(unknown.body.field).toBe("colour");
    const badDate = await h.call("POST", "/v1/tasks", { title: "x", dueAt: "tomorrow" });
    expect(badDate.body).toMatchObject({ field: "dueAt" });
    expect(badDate.body.message).toMatch(/ISO 8601/);
    expect(h.emulator.snapshot().tasks).toHaveLength(0);
  });

  it("refuses unknown and self dependencies, changing nothing", async () => {
    const unknown = await h.call("POST", "/v1/tasks", { title: "x", dependencyIds: ["task_nope"] });
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ field: "dependencyIds" });
    expect(unknown.body.message).toContain("task_nope");
    expect(h.emulator.snapshot().tasks).toHaveLength(0);
  });
});

describe("GET, PATCH and DELETE /v1/tasks/:taskId", () => {
  it("reads a task and answers 404 for an unknown id", async () => {
    const task = await createTask(h);
    expect((await h.call("GET", `/v1/tasks/${task.id}`)).body.task).toEqual(task);
    const missing = await h.call("GET", "/v1/tasks/task_missing");
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: "not_found" });
    expect(missing.body.message).toContain("task_missing");
  });

  it("updates fields, accepts in_review and clears optional fields with null", async () => {
    const task = await createTask(h, { description: "d", sprintId: "s1", metadata: { a: 1 } });
    await new Promise((r) => setTimeout(r, 5));
    const answer = await h.call("PATCH", `/v1/tasks/${task.id}`, {
      status: "in_review",
      description: null,
      metadata: null,
      priority: "urgent",
    });
    expect(answer.status).toBe(200);
    expect(answer.body.task).toMatchObject({
      status: "in_review",
      priority: "urgent",
      metadata: {},
    });
    expect(answer.body.task).not.toHaveProperty("description");
    expect(answer.body.task.sprintId).toBe("s1");
    expect(answer.body.task.updatedAt > task.updatedAt).toBe(true);
    expect(h.emulator.snapshot().tasks[0]).toEqual(answer.body.task);
  });

  it("sets completedAt when a task becomes done", async () => {
    const task = await createTask(h);
    const done = await h.call("PATCH", `/v1/tasks/${task.id}`, { status: "done" });
    expect(done.body.task.completedAt).toEqual(expect.any(String));
  });

  it("refuses self, unknown and cyclic dependencies, changing nothing", async () => {
    const a = await createTask(h, { title: "a" });
    const b = await createTask(h, { title: "b", dependencyIds: [a.id] });
    const c = await createTask(h, { title: "c", dependencyIds: [b.id] });
    const before = h.emulator.snapshot();

    const self = await h.call("PATCH", `/v1/tasks/${a.id}`, { dependencyIds: [a.id], title: "z" });
    expect(self.status).toBe(422);
    expect(self.body).toMatchObject({ field: "dependencyIds" });
    expect(self.body.message).toMatch(/itself/);

    const unknown = await h.call("PATCH", `/v1/tasks/${a.id}`, { dependencyIds: ["task_x"] });
    expect(unknown.status).toBe(422);

    const cycle = await h.call("PATCH", `/v1/tasks/${a.id}`, { dependencyIds: [c.id] });
    expect(cycle.status).toBe(422);
    expect(cycle.body.field).toBe("dependencyIds");
    expect(cycle.body.message).toContain(`${a.id} -> ${c.id} -> ${b.id} -> ${a.id}`);

    expect(h.emulator.snapshot()).toEqual(before);
    // An acyclic change is accepted.
    const ok = await h.call("PATCH", `/v1/tasks/${c.id}`, { dependencyIds: [a.id, b.id] });
    expect(ok.status).toBe(200);
  });

  it("refuses to delete a task others depend on, then deletes it once they are gone", async () => {
    const a = await createTask(h);
    const b = await createTask(h, { dependencyIds: [a.id] });
    const refused = await h.call("DELETE", `/v1/tasks/${a.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      error: "conflict",
      reason: CONFLICT_REASONS.hasDependents,
      dependentTaskIds: [b.id],
    });
    expect(h.emulator.snapshot().tasks).toHaveLength(2);
    expect((await h.call("DELETE", `/v1/tasks/${b.id}`)).status).toBe(204);
    expect((await h.call("DELETE", `/v1/tasks/${a.id}`)).status).toBe(204);
    expect(h.emulator.snapshot().tasks).toHaveLength(0);
    expect((await h.call("DELETE", `/v1/tasks/${a.id}`)).status).toBe(404);
    expect((await h.call("PATCH", `/v1/tasks/${a.id}`, { title: "x" })).status).toBe(404);
  });
});

describe("GET /v1/tasks", () => {
  it("pages in creation order, each task exactly once, the last page without a cursor", async () => {
    const created: string[] = [];
    for (let i = 0; i < 23; i++) created.push((await createTask(h, { title: `t${i}` })).id);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const query = `?limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const page = await h.call("GET", `/v1/tasks${query}`);
      expect(page.status).toBe(200);
      expect(page.body.tasks.length).toBeLessThanOrEqual(5);
      seen.push(...page.body.tasks.map((t: { id: string }) => t.id));
      cursor = page.body.nextCursor ?? undefined;
      pages++;
      // Deleting the task a cursor points after must not break the cursor.
      if (pages === 1) expect((await h.call("DELETE", `/v1/tasks/${seen[4]}`)).status).toBe(204);
    } while (cursor);
    expect(pages).toBe(5);
    expect(seen).toEqual(created);
  });

  it("defaults to LIST_DEFAULT_LIMIT", async () => {
    for (let i = 0; i < LIST_DEFAULT_LIMIT + 1; i++) await createTask(h);
    const page = await h.call("GET", "/v1/tasks");
    expect(page.body.tasks).toHaveLength(LIST_DEFAULT_LIMIT);
    expect(page.body.nextCursor).toEqual(expect.any(String));
  });

  it("filters by projectId, sprintId and status", async () => {
    await createTask(h, { projectId: "p1", sprintId: "s1", status: "todo" });
    const match = await createTask(h, { projectId: "p1", sprintId: "s2", status: "todo" });
    await createTask(h, { projectId: "p2", sprintId: "s2", status: "todo" });
    await createTask(h, { projectId: "p1", sprintId: "s2", status: "done" });
    const page = await h.call("GET", "/v1/tasks?projectId=p1&sprintId=s2&status=todo");
    expect(page.body.tasks.map((t: { id: string }) => t.id)).toEqual([match.id]);
    expect(page.body).not.toHaveProperty("nextCursor");
  });

  it("answers 422 on a bad limit, cursor or filter", async () => {
    for (const [query, field] of [
      ["limit=0", "limit"],
      ["limit=501", "limit"],
      ["limit=abc", "limit"],
      ["cursor=garbage", "cursor"],
      ["status=finished", "status"],
      ["owner=me", "owner"],
    ]) {
      const answer = await h.call("GET", `/v1/tasks?${query}`);
      expect([query, answer.status, answer.body.field]).toEqual([query, 422, field]);
    }
  });
});
