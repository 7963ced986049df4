import {
  closeMatches,
  escapeMermaidLabel,
  findCycle,
  graphProblems,
  mermaidIds,
  TaskGraphError,
  toMermaid,
  validateGraph,
} from "../../provider/components/graph";

describe("findCycle", () => {
  it("finds nothing in a DAG", () => {
    expect(
      findCycle({ a: {}, b: { dependsOn: ["a"] }, c: { dependsOn: ["a", "b"] }, d: {} }),
    ).toBeUndefined();
  });

  it("names a three-task cycle in dependency order, closing on its first key", () => {
    expect(
      findCycle({ a: { dependsOn: ["b"] }, b: { dependsOn: ["c"] }, c: { dependsOn: ["a"] } }),
    ).toEqual(["a", "b", "c", "a"]);
  });

  it("returns only the keys on the cycle, not the path leading to it", () => {
    expect(
      findCycle({
        entry: { dependsOn: ["x"] },
        x: { dependsOn: ["y"] },
        y: { dependsOn: ["x"] },
      }),
    ).toEqual(["x", "y", "x"]);
  });

  it("handles a 5000-task chain closed into a cycle without overflowing the stack", () => {
    const n = 5000;
    const nodes: Record<string, { dependsOn: string[] }> = {};
    for (let i = 0; i < n; i++) nodes[`t${i}`] = { dependsOn: [`t${(i + 1) % n}`] };
    const cycle = findCycle(nodes) as string[];
    expect(cycle).toHaveLength(n + 1);
    expect(cycle[0]).toBe("t0");
    expect(cycle[1]).toBe("t1");
    expect(cycle[n]).toBe("t0");
  });

  it("handles a 5000-task chain without a cycle", () => {
    const nodes: Record<string, { dependsOn: string[] }> = { t0: { dependsOn: [] } };
    for (let i = 1; i < 5000; i++) nodes[`t${i}`] = { dependsOn: [`t${i - 1}`] };
    expect(findCycle(nodes)).toBeUndefined();
  });
});

describe("graphProblems and validateGraph", () => {
  it("accepts a valid graph", () => {
    expect(graphProblems({ a: {}, b: { dependsOn: ["a"] } })).toEqual([]);
    expect(() => validateGraph({ a: {}, b: { dependsOn: ["a"] } })).not.toThrow();
  });

  it("names the task and the unknown key, with close matches", () => {
    const problems = graphProblems({
      design: {},
      "design-review": {},
      build: { dependsOn: ["dezign"] },
    });
    expect(problems).toEqual([
      'task "build" depends on unknown task "dezign" (did you mean "design"?)',
    ]);
    expect(graphProblems({ "api-v1": {}, "api-v2": {}, docs: { dependsOn: ["api"] } })).toEqual([
      'task "docs" depends on unknown task "api" (did you mean "api-v1", "api-v2"?)',
    ]);
  });

  it("lists the known keys when nothing is close", () => {
    expect(graphProblems({ a1: {}, b: { dependsOn: ["zzzzzzzz"] } })).toEqual([
      'task "b" depends on unknown task "zzzzzzzz" (known tasks: "a1", "b")',
    ]);
  });

  it("reports a self dependency once, not also as a cycle", () => {
    expect(graphProblems({ a: { dependsOn: ["a"] } })).toEqual([
      'task "a" depends on itself: remove "a" from its dependsOn',
    ]);
  });

  it("reports a duplicate dependency", () => {
    expect(graphProblems({ a: {}, b: { dependsOn: ["a", "a"] } })).toEqual([
      'task "b" lists dependency "a" more than once',
    ]);
  });

  it("reports a cycle with its keys in order", () => {
    expect(
      graphProblems({ a: { dependsOn: ["b"] }, b: { dependsOn: ["c"] }, c: { dependsOn: ["a"] } }),
    ).toEqual([
      "dependency cycle: a -> b -> c -> a (each task depends on the next): remove one of these dependencies",
    ]);
  });

  it("throws a TaskGraphError listing every problem, recognisable by code", () => {
    let caught: unknown;
    try {
      validateGraph(
        { a: { dependsOn: ["a", "nope"] }, b: { dependsOn: ["a", "a"] } },
        'TaskGraph "s"',
      );
    } catch (err) {
      caught = err;
    }
    expect(TaskGraphError.isInstance(caught)).toBe(true);
    const err = caught as TaskGraphError;
    expect(err.problems).toHaveLength(3);
    expect(err.message).toMatch(/^TaskGraph "s": invalid task graph:/);
    expect(err.message).toContain('task "a" depends on unknown task "nope"');
  });
});

describe("closeMatches", () => {
  it("ranks by edit distance and ignores case", () => {
    expect(closeMatches("Prority", ["priority", "project", "title"])).toEqual(["priority"]);
    expect(closeMatches("api", ["api-docs", "apx", "zzz"])).toEqual(["apx", "api-docs"]);
  });
});

describe("Mermaid", () => {
  it("escapes quotes, angle brackets, ampersands, hashes and line breaks", () => {
    expect(escapeMermaidLabel('Say "hi" <b> & #1\nnext')).toBe(
      "Say #quot;hi#quot; #lt;b#gt; #amp; #35;1 next",
    );
  });

  it("makes ids safe and unique, and keeps Mermaid keywords out", () => {
    const ids = mermaidIds(["end", "a b", "a-b", "ok_1"]);
    expect([...ids.values()]).toEqual(["t_end", "t_a_b", "t_a_b_2", "t_ok_1"]);
  });

  it("renders a flowchart with a node per key and edges dependency --> dependent", () => {
    expect(
      toMermaid({
        design: { title: 'Design the "v2" API' },
        build: { title: "Build", dependsOn: ["design"] },
        "ship.it": { title: "Ship <now>", dependsOn: ["build", "design"] },
      }),
    ).toBe(
      [
        "flowchart TD",
        '  t_design["Design the #quot;v2#quot; API"]',
        '  t_build["Build"]',
        '  t_ship_it["Ship #lt;now#gt;"]',
        "  t_design --> t_build",
        "  t_build --> t_ship_it",
        "  t_design --> t_ship_it",
      ].join("\n"),
    );
  });
});
