/**
 * Bad input caught before anything is sent: each program below fails at preview (and at up)
 * with an error that the engine attributes to the resource and that names the field and what
 * to do, and the emulator's store stays exactly as it was: nothing created, nothing changed.
 */
import { Task, TaskThread, type TaskArgs, type TaskThreadArgs } from "pulumi-acp";
import { Harness } from "../e2e/harness";
import { failing } from "./bad-input-helpers";
import { recordFigures } from "./figures";

jest.setTimeout(600_000);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

/** A program with one valid task "anchor" and the bad resource, named "bad". */
function withTask(args: Loose): () => Promise<object> {
  return async () => {
    new Task("anchor", { title: "Anchor" });
    new Task("bad", args as TaskArgs);
    return {};
  };
}

function withThread(args: Loose): () => Promise<object> {
  return async () => {
    const anchor = new Task("anchor", { title: "Anchor" });
    new TaskThread("bad", { taskId: anchor.id, ...args } as TaskThreadArgs);
    return {};
  };
}

/** Each case: the program and what the error must say (every pattern must match). */
const CASES: Array<[string, () => Promise<object>, RegExp[]]> = [
  ["empty title", withTask({ title: "" }), [/title/, /non-empty title|must not be empty/]],
  ["blank title", withTask({ title: "   " }), [/title/, /must not be empty or blank/]],
  ["missing title", withTask({ priority: "high" }), [/title/, /is required/]],
  ["unknown status", withTask({ title: "T", status: "doing" }), [/status/, /backlog/]],
  ["unknown priority", withTask({ title: "T", priority: "critical" }), [/priority/, /urgent/]],
  ["unparseable dueAt", withTask({ title: "T", dueAt: "next tuesday" }), [/dueAt/, /ISO 8601/]],
  [
    "impossible scheduledStartAt",
    withTask({ title: "T", scheduledStartAt: "2026-13-45" }),
    [/scheduledStartAt/, /ISO 8601/],
  ],
  [
    "date-time without a time zone",
    withTask({ title: "T", completedAt: "2026-11-23T09:00:00" }),
    [/completedAt/, /time zone/],
  ],
  [
    "scheduled end before start",
    withTask({
      title: "T",
      scheduledStartAt: "2026-12-10",
      scheduledEndAt: "2026-12-01",
    }),
    [/scheduledEndAt/, /before scheduledStartAt/],
  ],
  [
    "duplicate dependency",
    withTask({ title: "T", dependencyIds: ["task_a", "task_a"] }),
    [/dependencyIds/, /task_a more than once/],
  ],
  [
    "adopted task depending on itself",
    withTask({ title: "T", adoptExistingId: "task_a", dependencyIds: ["task_a"] }),
    [/dependencyIds/, /cannot depend on itself/],
  ],
  ["misspelt property", withTask({ title: "T", titel: "x" }), [/titel/, /not a property/]],
  ["empty projectId", withTask({ title: "T", projectId: " " }), [/projectId/, /non-empty id/]],
  ["sortOrder not a number", withTask({ title: "T", sortOrder: "first" }), [/sortOrder/]],
  ["metadata not an object", withTask({ title: "T", metadata: "x" }), [/metadata/]],
  ["thread mode unknown", withThread({ mode: "walk" }), [/mode/, /start|run/]],
  ["thread message without mode run", withThread({ message: "hi" }), [/message/, /mode "run"/]],
  ["thread without taskId", withThread({ taskId: undefined }), [/taskId/, /is required/]],
  [
    "thread poll interval too short",
    withThread({ pollIntervalSeconds: 0.001 }),
    [/pollIntervalSeconds/, /at least 0.05/],
  ],
  [
    "thread negative wait",
    withThread({ onBlocked: "wait", waitTimeoutSeconds: -1 }),
    [/waitTimeoutSeconds/, /0 or more/],
  ],
  ["thread onBlocked unknown", withThread({ onBlocked: "retry" }), [/onBlocked/, /fail|wait/]],
];

describe("bad input caught at preview", () => {
  let h: Harness;
  const results: Array<{ name: string; error: string }> = [];
  beforeAll(async () => {
    h = await Harness.create({ program: async () => ({}) });
  });
  afterAll(async () => {
    recordFigures("bad-input-preview", { cases: results.length, results });
    await h?.cleanup();
  });

  it.each(CASES)(
    "%s: refused at preview and up, naming the resource and field",
    async (name, program, patterns) => {
      h.setProgram(program);
      h.emulator.resetStats();
      const before = JSON.stringify(h.emulator.snapshot());
      const preview = await failing(h, "preview", "bad");
      expect(preview.resourceErrors).not.toBe("");
      for (const p of patterns) expect(preview.resourceErrors).toMatch(p);
      results.push({ name, error: preview.resourceErrors });
      // Nothing reached the API: not one request, and the store is as it was.
      expect(h.emulator.stats().totalRequests).toBe(0);
      expect(JSON.stringify(h.emulator.snapshot())).toBe(before);
      // up refuses the same way; the engine may still create the valid sibling, never "bad".
      const up = await failing(h, "up", "bad");
      for (const p of patterns) expect(up.resourceErrors).toMatch(p);
      expect(h.emulator.snapshot().tasks.every((t) => t.title === "Anchor")).toBe(true);
      expect(h.emulator.snapshot().threads).toHaveLength(0);
    },
  );

  it("refuses a task made to depend on itself, at preview, and changes nothing on the server", async () => {
    h.setProgram(async () => {
      const t = new Task("self", { title: "Self" });
      return { id: t.id };
    });
    const { outputs } = await h.up();
    const id = outputs.id as string;
    const before = JSON.stringify(h.emulator.snapshot());
    h.setProgram(async () => {
      new Task("self", { title: "Self", dependencyIds: [id] });
      return { id };
    });
    const failure = await failing(h, "preview", "self");
    expect(failure.resourceErrors).toMatch(/dependencyIds/);
    expect(failure.resourceErrors).toMatch(new RegExp(`${id} cannot depend on itself`));
    expect(JSON.stringify(h.emulator.snapshot())).toBe(before);
    results.push({ name: "existing task depending on itself", error: failure.resourceErrors });
    h.setProgram(async () => ({}));
    await h.up();
    expect(h.emulator.snapshot().tasks).toHaveLength(0);
  });
});
