/** Moving a stack between the two designs of its tasks, as read from exported states. */
import {
  DesignMoveError,
  graphState,
  movePlan,
  withRetainFlags,
  type StateRecord,
} from "../../provider/cli/design-move";

const STACK = "urn:pulumi:dev::pulumi-acp-sprint::";
const GRAPH_URN = `${STACK}acp:index:TaskGraph::sprint-42`;
const TASK = "pulumi-nodejs:dynamic/acp:Task";

function graph(name = "sprint-42"): StateRecord {
  return { urn: `${STACK}acp:index:TaskGraph::${name}`, type: "acp:index:TaskGraph" };
}
function task(key: string, id: string, adopted?: string, parent = GRAPH_URN): StateRecord {
  return {
    urn: `${STACK}acp:index:TaskGraph$${TASK}::sprint-42-${key}`,
    type: TASK,
    id,
    parent,
    inputs: { title: key, ...(adopted ? { adoptExistingId: adopted } : {}) },
  };
}
function thread(key: string): StateRecord {
  return {
    urn: `${STACK}acp:index:TaskGraph$pulumi-nodejs:dynamic/acp:TaskThread::sprint-42-${key}-thread`,
    type: "pulumi-nodejs:dynamic/acp:TaskThread",
    id: `thr_${key}`,
    parent: GRAPH_URN,
  };
}
function sprint(taskIds: Record<string, string>, adopted: Record<string, string> = {}) {
  return {
    urn: `${STACK}acp:index:TaskGraph$acp:index:Sprint::sprint-42`,
    type: "acp:index:Sprint",
    id: "sprint-42",
    parent: GRAPH_URN,
    inputs: {
      tasks: Object.fromEntries(
        Object.keys(taskIds).map((k) => [
          k,
          { title: k, ...(adopted[k] ? { adoptExistingId: adopted[k] } : {}) },
        ]),
      ),
    },
    outputs: { taskIds },
  } satisfies StateRecord;
}

describe("graphState", () => {
  it("reads the per-task records of the graph by key, not its threads or another graph's", () => {
    const other = graph("other");
    const state = graphState(
      [
        graph(),
        task("api", "task_1"),
        task("docs", "task_2", "task_2"),
        thread("api"),
        other,
        { ...task("x", "task_9", undefined, other.urn), urn: `${STACK}x::other-x` },
      ],
      "sprint-42",
    );
    expect(state).toEqual({
      perTask: {
        api: { urn: task("api", "").urn, id: "task_1" },
        docs: { urn: task("docs", "").urn, id: "task_2", adopted: "task_2" },
      },
    });
  });

  it("reads the Sprint record: its task ids and the ids it adopted", () => {
    const state = graphState(
      [graph(), sprint({ api: "task_1", docs: "task_2" }, { api: "task_1" })],
      "sprint-42",
    );
    expect(state.sprint).toEqual({
      urn: sprint({}).urn,
      taskIds: { api: "task_1", docs: "task_2" },
      adopted: { api: "task_1" },
    });
  });

  it("finds nothing in a new stack or under another graph name", () => {
    expect(graphState([], "sprint-42")).toEqual({ perTask: {} });
    expect(graphState([graph(), task("api", "task_1")], "renamed")).toEqual({ perTask: {} });
  });
});

describe("movePlan", () => {
  const declared = { api: undefined, docs: undefined, release: undefined };

  it("moves a per-task stack into the Sprint: every declared task adopted, its record retained", () => {
    const state = graphState(
      [graph(), task("api", "task_1"), task("docs", "task_2"), task("gone", "task_3")],
      "sprint-42",
    );
    expect(movePlan(state, "sprint", declared)).toEqual({
      adopt: { api: "task_1", docs: "task_2" },
      moving: ["api", "docs"],
      // "gone" is no longer declared: its record is deleted, as any up deletes it.
      retain: [task("api", "").urn, task("docs", "").urn],
    });
  });

  it("moves a Sprint stack to one resource per task, retaining the Sprint's record", () => {
    const state = graphState(
      [graph(), sprint({ api: "task_1", docs: "task_2", release: "task_3" })],
      "sprint-42",
    );
    expect(movePlan(state, "task", declared)).toEqual({
      adopt: { api: "task_1", docs: "task_2", release: "task_3" },
      moving: ["api", "docs", "release"],
      retain: [sprint({}).urn],
    });
  });

  it("declares again the ids a design adopted, and moves nothing once moved", () => {
    const bulk = graphState(
      [graph(), sprint({ api: "task_1", docs: "task_2" }, { api: "task_1", docs: "task_2" })],
      "sprint-42",
    );
    expect(movePlan(bulk, "sprint", declared)).toEqual({
      adopt: { api: "task_1", docs: "task_2" },
      moving: [],
      retain: [],
    });
    const perTask = graphState([graph(), task("api", "task_1", "task_1")], "sprint-42");
    expect(movePlan(perTask, "task", declared)).toEqual({
      adopt: { api: "task_1" },
      moving: [],
      retain: [],
    });
  });

  it("completes a move a killed run left half done, from both designs' records", () => {
    // The Sprint holds the tasks it adopted; the per-task records are still there.
    const state = graphState(
      [
        graph(),
        task("api", "task_1"),
        task("docs", "task_2"),
        sprint({ api: "task_1" }, { api: "task_1" }),
      ],
      "sprint-42",
    );
    expect(movePlan(state, "sprint", declared)).toMatchObject({
      adopt: { api: "task_1", docs: "task_2" },
      retain: [task("api", "").urn, task("docs", "").urn],
    });
    // Back to one resource per task from the same state: the ids are the same.
    const back = movePlan(state, "task", { api: undefined, docs: undefined });
    expect(back.adopt).toEqual({});
    expect(back.retain).toEqual([sprint({}).urn]);
  });

  it("lets the sprint file's own adoptExistingId win", () => {
    const state = graphState([graph(), task("api", "task_1")], "sprint-42");
    expect(movePlan(state, "sprint", { api: "task_7" }).adopt).toEqual({});
  });

  it("refuses to leave the Sprint while it holds tasks the file no longer declares", () => {
    const state = graphState([graph(), sprint({ api: "task_1", old: "task_9" })], "sprint-42");
    expect(() => movePlan(state, "task", { api: undefined })).toThrow(DesignMoveError);
    expect(() => movePlan(state, "task", { api: undefined })).toThrow(
      "the stack's Sprint holds tasks the sprint file no longer declares (old): run `pulumi-acp up --bulk` first to delete them (or declare them again), then move the stack to one resource per task",
    );
  });
});

describe("withRetainFlags", () => {
  const records = [graph(), task("api", "task_1"), task("docs", "task_2")];

  it("marks the records a move drops, and only those", () => {
    const next = withRetainFlags({ resources: records, manifest: {} }, { keep: [records[1].urn] });
    expect(next?.manifest).toEqual({});
    expect(next?.resources?.map((r) => Boolean(r.retainOnDelete))).toEqual([false, true, false]);
    // A rerun changes nothing.
    expect(withRetainFlags(next!, { keep: [records[1].urn] })).toBeUndefined();
  });

  it("clears every flag before a destroy", () => {
    const marked = withRetainFlags({ resources: records }, { keep: [records[2].urn] })!;
    const cleared = withRetainFlags(marked, { clear: true });
    expect(cleared?.resources?.some((r) => "retainOnDelete" in r)).toBe(false);
    expect(withRetainFlags({ resources: records }, { clear: true })).toBeUndefined();
  });
});
