/**
 * Bad TaskGraphs and sprint files through the engine: a cycle, an unknown, self or duplicate
 * dependency, an unknown key, bad YAML or JSON, a bad value. The program fails at preview with
 * an error naming the graph or file, the task key and the field, and nothing reaches the API.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as vm from "node:vm";
import { loadSprintFile, TaskGraph, type TaskGraphArgs } from "pulumi-acp";
import { Harness } from "../e2e/harness";
import { failing } from "./bad-input-helpers";
import { recordFigures } from "./figures";

jest.setTimeout(600_000);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const graph = (tasks: Loose) => async () => {
  new TaskGraph("sprint", { tasks } as TaskGraphArgs);
  return {};
};

describe("bad TaskGraphs and sprint files", () => {
  let h: Harness;
  let dir: string;
  const results: Array<{ name: string; error: string }> = [];

  /** A program declaring the TaskGraph of the sprint file `name` holding `text`. */
  const sprintFile = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return async () => {
      const sprint = loadSprintFile(file);
      new TaskGraph("sprint", { tasks: sprint.tasks, defaults: sprint.defaults });
      return {};
    };
  };

  beforeAll(async () => {
    h = await Harness.create({ program: async () => ({}) });
    dir = path.join(h.workDir, "sprints");
    fs.mkdirSync(dir);
  });
  afterAll(async () => {
    recordFigures("bad-input-graph", { cases: results.length, results });
    await h?.cleanup();
  });

  const cases: Array<[string, () => () => Promise<object>, RegExp[]]> = [
    [
      "a TaskGraph with a cycle",
      () =>
        graph({
          a: { title: "A", dependsOn: ["c"] },
          b: { title: "B", dependsOn: ["a"] },
          c: { title: "C", dependsOn: ["b"] },
        }),
      [/TaskGraph "sprint"/, /cycle/, /a/],
    ],
    [
      "a TaskGraph dependency on an unknown key",
      () => graph({ a: { title: "A", dependsOn: ["desing"] } }),
      [/TaskGraph "sprint"/, /desing/],
    ],
    [
      "a TaskGraph task depending on itself",
      () => graph({ a: { title: "A", dependsOn: ["a"] } }),
      [/TaskGraph "sprint"/, /itself/],
    ],
    [
      "a TaskGraph duplicate dependency",
      () => graph({ a: { title: "A" }, b: { title: "B", dependsOn: ["a", "a"] } }),
      [/TaskGraph "sprint"/, /more than once|duplicate/],
    ],
    [
      "a TaskGraph task with an unknown key",
      () => graph({ a: { title: "A", dependOn: ["b"] }, b: { title: "B" } }),
      [/dependOn/],
    ],
    [
      "a sprint file with an unknown key",
      () => sprintFile("unknown-key.yaml", "tasks:\n  api:\n    title: API\n    priorty: high\n"),
      [/unknown-key\.yaml/, /tasks\.api/, /priorty/],
    ],
    [
      "a sprint file with an unknown top-level key",
      () => sprintFile("top-level.yaml", "taks:\n  api:\n    title: API\n"),
      [/top-level\.yaml/, /taks/],
    ],
    [
      "a sprint file with a cycle",
      () =>
        sprintFile(
          "cycle.yaml",
          "tasks:\n  a:\n    title: A\n    dependsOn: [b]\n  b:\n    title: B\n    dependsOn: [a]\n",
        ),
      [/cycle\.yaml/, /dependsOn/, /cycle/],
    ],
    [
      "a sprint file with a bad priority",
      () => sprintFile("priority.yaml", "tasks:\n  a:\n    title: A\n    priority: hgh\n"),
      [/priority\.yaml/, /tasks\.a\.priority/, /hgh/],
    ],
    [
      "a sprint file with a bad date",
      () => sprintFile("date.yaml", "tasks:\n  a:\n    title: A\n    dueAt: someday\n"),
      [/date\.yaml/, /tasks\.a\.dueAt/],
    ],
    [
      "a sprint file with broken YAML",
      () => sprintFile("broken.yaml", "tasks:\n  a:\n    title: [A\n"),
      [/broken\.yaml/, /line \d+/, /invalid YAML/],
    ],
    [
      "a sprint file with broken JSON",
      () => sprintFile("broken.json", '{"tasks": {"a": {"title": "A",}}}'),
      [/broken\.json/, /invalid JSON/],
    ],
    [
      "a sprint file that does not exist",
      () => async () => {
        loadSprintFile(path.join(dir, "missing.yaml"));
        return {};
      },
      [/missing\.yaml/, /cannot read/, /ENOENT/],
    ],
  ];

  it.each(cases)("%s: refused at preview, nothing sent", async (name, makeProgram, patterns) => {
    h.setProgram(makeProgram());
    h.emulator.resetStats();
    const before = JSON.stringify(h.emulator.snapshot());
    // Pulumi reports an error thrown by the program through a process-wide unhandledRejection
    // handler, as a CLI language host would; inside jest that handler sits on the test's copy
    // of `process` and never fires, while jest's own (on the real process) would count the
    // same error as a crash of this test. Stand jest's handler aside for the operation, keep
    // what it would have seen, and check below that it is the error the engine reported.
    const realProcess = vm.runInThisContext("process") as NodeJS.Process;
    const late: unknown[] = [];
    const onRejection = (reason: unknown) => late.push(reason);
    const saved = realProcess.listeners("unhandledRejection");
    realProcess.removeAllListeners("unhandledRejection");
    realProcess.on("unhandledRejection", onRejection);
    let failure: Awaited<ReturnType<typeof failing>>;
    try {
      failure = await failing(h, "preview", "sprint");
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      realProcess.removeAllListeners("unhandledRejection");
      for (const listener of saved) realProcess.on("unhandledRejection", listener);
    }
    for (const reason of late) {
      expect(`${failure.allErrors}\n${failure.message}`).toContain(
        String((reason as Error).message).split("\n")[0],
      );
    }
    // A program error is the stack's; a Task's check failure is the task's: read both.
    const text = `${failure.allErrors}\n${failure.message}`;
    for (const p of patterns) expect(text).toMatch(p);
    results.push({ name, error: (failure.allErrors || failure.message).slice(0, 600) });
    expect(h.emulator.stats().totalRequests).toBe(0);
    expect(JSON.stringify(h.emulator.snapshot())).toBe(before);
  });
});
