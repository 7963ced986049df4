import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  loadSprintFile,
  parseSprintText,
  SprintFileError,
  sprintFromObject,
} from "../../provider/components/sprint-file";

/** The problems a call throws, as SprintFileError lines. */
function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(SprintFileError.isInstance(err)).toBe(true);
    return (err as SprintFileError).problems;
  }
  throw new Error("expected a SprintFileError, nothing was thrown");
}

const VALID_YAML = `
name: sprint-42
defaults:
  projectId: proj_web
  sprintId: sprint_42
  priority: medium
tasks:
  design:
    title: Design the API
    priority: high
    dueAt: 2026-12-01
    thread: { mode: run, message: "Draft the design" }
  build:
    title: Build it
    dependsOn: [design]
    metadata: { area: api, points: 3 }
`;

describe("sprint files", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sprint-file-"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  it("loads YAML into TaskGraph args, dates kept as the strings written", () => {
    const sprint = loadSprintFile(write("ok.yaml", VALID_YAML));
    expect(sprint.name).toBe("sprint-42");
    expect(sprint.defaults).toEqual({
      projectId: "proj_web",
      sprintId: "sprint_42",
      priority: "medium",
    });
    expect(sprint.tasks.design).toEqual({
      title: "Design the API",
      priority: "high",
      dueAt: "2026-12-01",
      thread: { mode: "run", message: "Draft the design" },
    });
    expect(sprint.tasks.build).toEqual({
      title: "Build it",
      dependsOn: ["design"],
      metadata: { area: "api", points: 3 },
    });
  });

  it("loads the same sprint from JSON (.yml too)", () => {
    const obj = {
      tasks: { a: { title: "A" }, b: { title: "B", dependsOn: ["a"], sortOrder: 2 } },
    };
    expect(loadSprintFile(write("s.json", JSON.stringify(obj))).tasks).toEqual(obj.tasks);
    expect(loadSprintFile(write("s.yml", JSON.stringify(obj))).tasks).toEqual(obj.tasks);
  });

  it("names file, task key, field and the allowed values for a bad enum", () => {
    expect(
      problemsOf(() =>
        parseSprintText("tasks:\n  api:\n    title: API\n    priority: hgh\n", "sprint.yaml"),
      ),
    ).toEqual([
      'sprint.yaml: tasks.api.priority: expected one of low|medium|high|urgent, got "hgh"',
    ]);
  });

  it("takes resource: task or sprint (default: none, one resource per task)", () => {
    expect(parseSprintText("tasks: { a: { title: A } }\n", "s.yaml").resource).toBeUndefined();
    expect(
      parseSprintText("resource: sprint\ntasks: { a: { title: A } }\n", "s.yaml").resource,
    ).toBe("sprint");
    expect(
      parseSprintText('{"resource": "task", "tasks": {"a": {"title": "A"}}}', "s.json").resource,
    ).toBe("task");
  });

  it.each([
    ["sprnt", 'expected one of task|sprint, got "sprnt" (did you mean "sprint"?)'],
    ["Tasks", 'expected one of task|sprint, got "Tasks" (did you mean "task"?)'],
    ["bulk", 'expected one of task|sprint, got "bulk" (did you mean "sprint"?)'],
    ["per-task", 'expected one of task|sprint, got "per-task" (did you mean "task"?)'],
    ["graph", 'expected one of task|sprint, got "graph"'],
  ])("names the file and field of a bad resource %j, with the value meant", (value, reason) => {
    expect(
      problemsOf(() =>
        parseSprintText(`resource: ${value}\ntasks: { a: { title: A } }\n`, "sprint.yaml"),
      ),
    ).toEqual([`sprint.yaml: resource: ${reason}`]);
  });

  it("suggests resource for a misspelt top-level resource field", () => {
    expect(
      problemsOf(() => parseSprintText("resorce: sprint\ntasks: { a: { title: A } }\n", "s.yaml")),
    ).toEqual(['s.yaml: (top level): unknown property "resorce" (did you mean "resource"?)']);
    expect(
      problemsOf(() => sprintFromObject({ resource: 1, tasks: { a: { title: "A" } } }, "obj")),
    ).toEqual(["obj: resource: expected one of task|sprint, got 1"]);
  });

  it("reports an unknown property with the closest known one", () => {
    expect(
      problemsOf(() =>
        parseSprintText("tasks:\n  api:\n    title: API\n    prority: high\n", "sprint.yaml"),
      ),
    ).toEqual(['sprint.yaml: tasks.api: unknown property "prority" (did you mean "priority"?)']);
    expect(problemsOf(() => parseSprintText("taks: {}\n", "s.yaml"))).toEqual([
      "s.yaml: tasks: is required",
      's.yaml: (top level): unknown property "taks" (did you mean "tasks"?)',
    ]);
    expect(
      problemsOf(() =>
        sprintFromObject(
          { tasks: { a: { title: "A", thread: { mode: "run", colour: 1 } } } },
          "obj",
        ),
      ),
    ).toEqual([
      'obj: tasks.a.thread: unknown property "colour" (allowed: mode, agentId, environmentId, moveToInProgress, message, title, metadata, triggers, onBlocked, waitTimeoutSeconds, pollIntervalSeconds)',
    ]);
  });

  it("loads a sprint's project threads and agent runs, strictly, with did-you-mean", () => {
    const sprint = parseSprintText(
      `${VALID_YAML}threads:
  kickoff: { title: Kickoff, content: "Plan sprint 42", triggers: [s42] }
runs:
  setup: { serverId: srv_1, prompt: "Prepare the sandbox", dependsOn: [design] }
  index: { serverId: srv_1, content: "Index the repo", mode: async, waitTimeoutSeconds: 60 }
`,
      "sprint.yaml",
    );
    expect(sprint.threads).toEqual({
      kickoff: { title: "Kickoff", content: "Plan sprint 42", triggers: ["s42"] },
    });
    expect(sprint.runs?.setup).toEqual({
      serverId: "srv_1",
      prompt: "Prepare the sandbox",
      dependsOn: ["design"],
    });
    expect(sprint.runs?.index).toMatchObject({ mode: "async", waitTimeoutSeconds: 60 });
    expect(
      problemsOf(() =>
        sprintFromObject(
          {
            tasks: { design: { title: "D" } },
            threads: { "bad key": { contnet: "x" } },
            runs: {
              setup: { serverId: "srv_1", promt: "p", dependsOn: ["desgin"] },
              later: { serverId: "srv_1", prompt: "p", mode: "later", waitTimeoutSeconds: -1 },
            },
          },
          "obj",
        ),
      ),
    ).toEqual([
      'obj: threads["bad key"]: unknown property "contnet" (did you mean "content"?)',
      'obj: runs.setup: unknown property "promt" (did you mean "prompt"?)',
      'obj: runs.later.mode: expected one of sync|async, got "later"',
      "obj: runs.later.waitTimeoutSeconds: must be 0 or more seconds, got -1",
    ]);
    expect(
      problemsOf(() =>
        sprintFromObject(
          {
            tasks: { design: { title: "D" } },
            threads: { "bad key": { content: "x" } },
            runs: { setup: { serverId: "srv_1", prompt: "p", dependsOn: ["desgin"] } },
          },
          "obj",
        ),
      ),
    ).toEqual([
      'obj: threads["bad key"]: invalid key: use letters, digits, "_", "-" or "." (starting with a letter or digit)',
      'obj: runs.setup.dependsOn: "desgin" is not a task of the sprint (did you mean "design"?)',
    ]);
  });

  it("reports wrong types, missing titles, bad dates and bad defaults, all at once", () => {
    const problems = problemsOf(() =>
      sprintFromObject(
        {
          defaults: { priority: "hi" },
          tasks: {
            a: { title: "", sortOrder: "1" },
            b: { description: "no title", dueAt: "next week" },
            c: { title: "C", dependsOn: "a", thread: { mode: "go" } },
          },
        },
        "sprint.json",
      ),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'sprint.json: defaults.priority: expected one of low|medium|high|urgent, got "hi"',
        'sprint.json: tasks.a.title: must not be empty or blank, got ""',
        'sprint.json: tasks.a.sortOrder: expected number, got string "1"',
        "sprint.json: tasks.b.title: is required",
        expect.stringMatching(
          /^sprint\.json: tasks\.b\.dueAt: must be an ISO 8601 date-time .*, got "next week"$/,
        ),
        'sprint.json: tasks.c.dependsOn: expected array, got string "a"',
        'sprint.json: tasks.c.thread.mode: expected one of start|run, got "go"',
      ]),
    );
    expect(problems).toHaveLength(7);
  });

  it("reports graph problems under the task's dependsOn", () => {
    expect(
      problemsOf(() =>
        sprintFromObject(
          {
            tasks: {
              design: { title: "D" },
              api: { title: "A", dependsOn: ["desgin"] },
              x: { title: "X", dependsOn: ["y"] },
              y: { title: "Y", dependsOn: ["x"] },
            },
          },
          "sprint.yaml",
        ),
      ),
    ).toEqual([
      'sprint.yaml: tasks.api.dependsOn: task "api" depends on unknown task "desgin" (did you mean "design"?)',
      "sprint.yaml: tasks.x.dependsOn: dependency cycle: x -> y -> x (each task depends on the next): remove one of these dependencies",
    ]);
  });

  it("rejects task keys that cannot name a resource", () => {
    expect(
      problemsOf(() => sprintFromObject({ tasks: { "bad key": { title: "B" } } }, "s.yaml")),
    ).toEqual([
      's.yaml: tasks["bad key"]: invalid task key: use letters, digits, "_", "-" or "." (starting with a letter or digit)',
    ]);
  });

  it("names the line and column of YAML syntax errors and duplicate keys", () => {
    expect(
      problemsOf(() => parseSprintText("tasks:\n  a:\n    title: [A\n  b: {}\n", "sprint.yaml"))[0],
    ).toMatch(/^sprint\.yaml: line \d+, column \d+: invalid YAML: /);
    expect(
      problemsOf(() =>
        parseSprintText("tasks:\n  a: { title: A }\n  a: { title: B }\n", "sprint.yaml"),
      ),
    ).toEqual(["sprint.yaml: line 3, column 3: invalid YAML: Map keys must be unique"]);
    // Parses, but cannot become data (found by the property suite).
    expect(problemsOf(() => parseSprintText("*!", "sprint.yaml"))).toEqual([
      "sprint.yaml: invalid YAML: Unresolved alias (the anchor must be set before the alias): !",
    ]);
  });

  it("names the line and column of JSON syntax errors", () => {
    expect(
      problemsOf(() =>
        parseSprintText('{\n  "tasks": {\n    "a": { "title": "A", }\n  }\n}', "s.json"),
      )[0],
    ).toMatch(/^s\.json: line 3, column \d+: invalid JSON: /);
  });

  it("rejects empty documents, non-objects, empty task lists, unknown extensions and missing files", () => {
    expect(problemsOf(() => parseSprintText("", "e.yaml"))).toEqual([
      'e.yaml: expected an object with "tasks" (and optionally name, description, defaults), got an empty document',
    ]);
    expect(problemsOf(() => parseSprintText("- a\n", "l.yaml"))[0]).toContain("got a list");
    expect(problemsOf(() => parseSprintText("tasks: {}\n", "n.yaml"))).toEqual([
      "n.yaml: tasks: must declare at least one task",
    ]);
    expect(problemsOf(() => parseSprintText("tasks: {}", "s.toml"))).toEqual([
      's.toml: unsupported sprint file type ".toml": use .yaml, .yml or .json',
    ]);
    const missing = path.join(dir, "missing.yaml");
    expect(problemsOf(() => loadSprintFile(missing))).toEqual([
      `${missing}: cannot read the sprint file: ENOENT`,
    ]);
  });
});
