/** check and diff of the Task provider, called directly (no engine, no network). */
import { TaskProviderImpl, createIdempotencyKey } from "../../provider/core/task/provider";
import { UNKNOWN } from "../../provider/core/compare";
import { storedTask } from "./helpers";

const impl = new TaskProviderImpl();
const check = (news: Record<string, unknown>) => impl.check({}, news);
const failuresOf = async (news: Record<string, unknown>) => (await check(news)).failures ?? [];

const stored = (inputs: Record<string, unknown>, server: Record<string, unknown> = {}) =>
  storedTask(inputs, server) as never;

describe("Task check", () => {
  it("accepts a minimal and a full task", async () => {
    expect(await failuresOf({ title: "t" })).toEqual([]);
    expect(
      await failuresOf({
        title: "t",
        description: "d",
        projectId: "p",
        status: "in_review",
        priority: "urgent",
        dependencyIds: ["a", "b"],
        scheduledStartAt: "2026-12-01T09:00:00Z",
        scheduledEndAt: "2026-12-02",
        dueAt: "2026-12-03T00:00:00+02:00",
        sortOrder: 3,
        metadata: { a: { b: [1] } },
      }),
    ).toEqual([]);
  });

  it.each([
    [{ title: "" }, "title", /empty/],
    [{ title: "   " }, "title", /blank/],
    [{}, "title", /required/],
    [{ title: "t", status: "doing" }, "status", /backlog.*done/],
    [{ title: "t", priority: "p1" }, "priority", /low.*urgent/],
    [{ title: "t", dueAt: "next friday" }, "dueAt", /ISO 8601/],
    [{ title: "t", scheduledStartAt: "2026-13-01" }, "scheduledStartAt", /ISO 8601/],
    [{ title: "t", sortOrder: "first" }, "sortOrder", /number/],
    [{ title: "t", metadata: "x" }, "metadata", /object|record/],
    [{ title: "t", dependencyIds: ["a", "a"] }, "dependencyIds", /task a more than once/],
    [{ title: "t", dependencyIds: [""] }, "dependencyIds.0", /non-empty id/],
    [{ title: "t", titel: "typo" }, "titel", /not a property.*spelling/],
    [{ title: "t", adoptExistingId: "x", dependencyIds: ["x"] }, "dependencyIds", /itself/],
    [
      { title: "t", scheduledStartAt: "2026-12-02", scheduledEndAt: "2026-12-01" },
      "scheduledEndAt",
      /before scheduledStartAt/,
    ],
  ])("reports %j on %s", async (news, property, reason) => {
    const failures = await failuresOf(news);
    expect(failures).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ property, reason: expect.stringMatching(reason) }),
      ]),
    );
  });

  it("tolerates values unknown during preview", async () => {
    expect(
      await failuresOf({ title: UNKNOWN, dependencyIds: [UNKNOWN, "a"], dueAt: UNKNOWN }),
    ).toEqual([]);
    expect(
      await failuresOf({ title: "t", dependencyIds: UNKNOWN, metadata: { a: UNKNOWN } }),
    ).toEqual([]);
  });

  it("returns the inputs unchanged", async () => {
    const news = { title: "t", dependencyIds: ["b", "a"] };
    expect((await check(news)).inputs).toEqual(news);
  });
});

describe("Task diff", () => {
  const diff = (olds: never, news: Record<string, unknown>) =>
    impl.diff("task_1", olds, news as never);

  it("shows no change when nothing the program sets has changed, whatever the server filled in", async () => {
    const inputs = { title: "t", projectId: "p" };
    const res = await diff(stored(inputs, { status: "in_progress", userId: "u" }), inputs);
    expect(res).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it("compares dependencyIds as a set, metadata deeply and dates as instants", async () => {
    const olds = stored({
      title: "t",
      dependencyIds: ["a", "b"],
      metadata: { x: 1, y: { z: [1, 2] } },
      dueAt: "2026-12-01T00:00:00.000Z",
    });
    const res = await diff(olds, {
      title: "t",
      dependencyIds: ["b", "a"],
      metadata: { y: { z: [1, 2] }, x: 1 },
      dueAt: "2026-12-01T00:00:00Z",
    });
    expect(res.changes).toBe(false);
    const changed = await diff(olds, {
      title: "t",
      dependencyIds: ["a"],
      metadata: { x: 1, y: { z: [2, 1] } },
    });
    expect(changed.changes).toBe(true);
  });

  it("replaces on projectId and adoptExistingId, updates in place otherwise", async () => {
    const olds = stored({ title: "t", projectId: "p" });
    expect(await diff(olds, { title: "t", projectId: "q" })).toMatchObject({
      changes: true,
      replaces: ["projectId"],
    });
    expect(await diff(olds, { title: "u", projectId: "p" })).toMatchObject({
      changes: true,
      replaces: [],
    });
    expect(
      await diff(olds, { title: "t", projectId: "p", adoptExistingId: "task_9" }),
    ).toMatchObject({
      replaces: ["adoptExistingId"],
    });
  });

  it("treats unset as unmanaged, but a field the program stops setting is a change where it can be cleared", async () => {
    const olds = stored({ title: "t", description: "d", status: "todo" });
    // status stops being set: unmanaged from now on, nothing to do on the server
    expect((await diff(olds, { title: "t", description: "d" })).changes).toBe(false);
    // description stops being set: cleared on the server
    expect((await diff(olds, { title: "t", status: "todo" })).changes).toBe(true);
    // status set by the program and moved by an agent (seen after refresh): reverted
    expect(
      (
        await diff(stored({ title: "t", status: "todo" }, { status: "done" }), {
          title: "t",
          status: "todo",
        })
      ).changes,
    ).toBe(true);
  });

  it("counts an unknown value as a change, and an unknown projectId as a replace", async () => {
    const olds = stored({ title: "t", projectId: "p" });
    expect(await diff(olds, { title: UNKNOWN, projectId: "p" })).toMatchObject({
      changes: true,
      replaces: [],
    });
    expect(await diff(olds, { title: "t", projectId: UNKNOWN })).toMatchObject({
      replaces: ["projectId"],
    });
  });

  it("refuses a task that depends on itself", async () => {
    await expect(
      diff(stored({ title: "t" }), { title: "t", dependencyIds: ["task_1"] }),
    ).rejects.toThrow(/dependencyIds: the task task_1 cannot depend on itself/);
  });
});

describe("create idempotency key", () => {
  it("is stable for the same resource and body, and differs otherwise", () => {
    const a = createIdempotencyKey("proj/dev/api", { title: "t", dependencyIds: ["x"] });
    expect(a).toBe(createIdempotencyKey("proj/dev/api", { dependencyIds: ["x"], title: "t" }));
    expect(a).not.toBe(
      createIdempotencyKey("proj/staging/api", { title: "t", dependencyIds: ["x"] }),
    );
    expect(a).not.toBe(createIdempotencyKey("proj/dev/api", { title: "t2", dependencyIds: ["x"] }));
    expect(createIdempotencyKey(undefined, { title: "t" })).toBeUndefined();
  });
});
