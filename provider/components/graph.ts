/**
 * Pure functions over a task graph declared by key (`dependsOn: ["design"]`): validation
 * (unknown keys with close matches, self and duplicate dependencies, cycles named in order)
 * and its Mermaid rendering. No Pulumi here, so all of it is unit-tested directly.
 */
import { closeMatches, editDistance } from "../client/suggest";

export { closeMatches, editDistance };

/** One node of a task graph: its key's dependencies and its title (for the diagram). */
export interface GraphNode {
  /** Keys of the tasks this one depends on. */
  dependsOn?: readonly string[];
}

/** Why a task graph is invalid. `problems` lists every problem found, one sentence each. */
export class TaskGraphError extends Error {
  /** Stable code, as the client's errors have. */
  readonly code = "task_graph_invalid";

  constructor(
    /** Every problem found, one sentence each, in key order. */
    readonly problems: string[],
    /** Names the graph in the message (a component name or a sprint file). */
    where?: string,
  ) {
    super(
      `${where ? `${where}: ` : ""}invalid task graph: ${problems.length === 1 ? problems[0] : `\n  - ${problems.join("\n  - ")}`}`,
    );
    this.name = "TaskGraphError";
  }

  /** True for a TaskGraphError from any copy of this module (`instanceof` is not reliable). */
  static isInstance(err: unknown): err is TaskGraphError {
    return (
      typeof err === "object" &&
      err !== null &&
      (err as { code?: unknown }).code === "task_graph_invalid"
    );
  }
}

/**
 * The first cycle of the graph, as keys in dependency order with the first key repeated at the
 * end (`["a", "b", "c", "a"]`: a depends on b, b on c, c on a), or undefined. Keys are visited
 * in declaration order, so the answer is stable. Iterative: long chains cannot overflow the
 * stack. Unknown keys in `dependsOn` are ignored (reported elsewhere).
 */
export function findCycle(nodes: Record<string, GraphNode>): string[] | undefined {
  const WHITE = 0;
  const GREY = 1;
  const BLACK = 2;
  const color = new Map<string, number>(Object.keys(nodes).map((k) => [k, WHITE]));
  for (const root of Object.keys(nodes)) {
    if (color.get(root) !== WHITE) continue;
    // The DFS path, each entry with the index of the next dependency to look at.
    const path: Array<{ key: string; next: number }> = [{ key: root, next: 0 }];
    color.set(root, GREY);
    while (path.length > 0) {
      const top = path[path.length - 1];
      const deps = nodes[top.key].dependsOn ?? [];
      if (top.next >= deps.length) {
        color.set(top.key, BLACK);
        path.pop();
        continue;
      }
      const dep = deps[top.next++];
      const c = color.get(dep);
      if (c === undefined || c === BLACK) continue;
      if (c === GREY) {
        const start = path.findIndex((p) => p.key === dep);
        return [...path.slice(start).map((p) => p.key), dep];
      }
      color.set(dep, GREY);
      path.push({ key: dep, next: 0 });
    }
  }
  return undefined;
}

/** One problem of a task graph: the task key it is about, and a sentence naming the keys. */
export interface GraphIssue {
  /** The task whose `dependsOn` is wrong (for a cycle: the first task on it). */
  key: string;
  /** What is wrong and how to fix it. */
  message: string;
}

/**
 * Every problem of the graph: a dependency on an unknown key (with close matches), on itself,
 * listed twice, and the first cycle found. Empty if the graph is valid.
 */
export function graphIssues(nodes: Record<string, GraphNode>): GraphIssue[] {
  const keys = Object.keys(nodes);
  const issues: GraphIssue[] = [];
  for (const key of keys) {
    const seen = new Set<string>();
    for (const dep of nodes[key].dependsOn ?? []) {
      if (dep === key) {
        issues.push({
          key,
          message: `task "${key}" depends on itself: remove "${key}" from its dependsOn`,
        });
      } else if (!Object.prototype.hasOwnProperty.call(nodes, dep)) {
        const close = closeMatches(
          dep,
          keys.filter((k) => k !== key),
        );
        issues.push({
          key,
          message:
            `task "${key}" depends on unknown task "${dep}"` +
            (close.length > 0
              ? ` (did you mean ${close.map((c) => `"${c}"`).join(", ")}?)`
              : ` (known tasks: ${summarizeKeys(keys)})`),
        });
      } else if (seen.has(dep)) {
        issues.push({ key, message: `task "${key}" lists dependency "${dep}" more than once` });
      }
      seen.add(dep);
    }
  }
  // A self dependency is already reported; do not report it again as a cycle of one.
  const withoutSelf: Record<string, GraphNode> = {};
  for (const key of keys)
    withoutSelf[key] = { dependsOn: (nodes[key].dependsOn ?? []).filter((d) => d !== key) };
  const cycle = findCycle(withoutSelf);
  if (cycle) {
    issues.push({
      key: cycle[0],
      message: `dependency cycle: ${cycle.join(" -> ")} (each task depends on the next): remove one of these dependencies`,
    });
  }
  return issues;
}

/** {@link graphIssues} as sentences, one per problem. Empty if the graph is valid. */
export function graphProblems(nodes: Record<string, GraphNode>): string[] {
  return graphIssues(nodes).map((i) => i.message);
}

function summarizeKeys(keys: string[]): string {
  const shown = keys.slice(0, 10).map((k) => `"${k}"`);
  return keys.length > 10 ? `${shown.join(", ")}, and ${keys.length - 10} more` : shown.join(", ");
}

/** Throws a {@link TaskGraphError} listing every problem of the graph, if it has any. */
export function validateGraph(nodes: Record<string, GraphNode>, where?: string): void {
  const problems = graphProblems(nodes);
  if (problems.length > 0) throw new TaskGraphError(problems, where);
}

/**
 * Mermaid node ids for the keys: `t_` plus the key with every character outside
 * `[A-Za-z0-9_]` replaced by `_` (the prefix also keeps Mermaid keywords such as `end` out),
 * with a numeric suffix where two keys would collide.
 */
export function mermaidIds(keys: readonly string[]): Map<string, string> {
  const ids = new Map<string, string>();
  const used = new Set<string>();
  for (const key of keys) {
    const base = `t_${key.replace(/[^A-Za-z0-9_]/g, "_")}`;
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}_${n}`;
    used.add(id);
    ids.set(key, id);
  }
  return ids;
}

/**
 * Text made safe inside a quoted Mermaid label: `#`, `"`, `<`, `>` and `&` become Mermaid
 * entity codes (`#35;`, `#quot;`, `#lt;`, `#gt;`, `#amp;`) and line breaks become spaces.
 */
export function escapeMermaidLabel(text: string): string {
  return text
    .replace(/#/g, "#35;")
    .replace(/"/g, "#quot;")
    .replace(/</g, "#lt;")
    .replace(/>/g, "#gt;")
    .replace(/&/g, "#amp;")
    .replace(/[\r\n]+/g, " ")
    .trim();
}

/** A node of {@link toMermaid}: its title and dependencies. */
export interface MermaidNode extends GraphNode {
  title: string;
}

/**
 * Why `dep`, named in the `dependsOn` of a graph's thread or run, is not one of `taskKeys`
 * (with the closest key, if any), or undefined when it is. `of`: "graph" or "sprint".
 */
export function notATaskOf(
  dep: string,
  taskKeys: readonly string[],
  of: string,
): string | undefined {
  if (taskKeys.includes(dep)) return undefined;
  const close = closeMatches(dep, taskKeys, 1);
  return `"${dep}" is not a task of the ${of}${close.length > 0 ? ` (did you mean "${close[0]}"?)` : ""}`;
}

/** A project thread or an agent run of a graph, drawn after the tasks it waits for. */
export interface MermaidWork {
  kind: "thread" | "run";
  key: string;
  title: string;
  dependsOn?: readonly string[];
}

/**
 * A Mermaid `flowchart TD` of the graph: one node per key labelled with its title, and an edge
 * from each dependency to the task that depends on it (work flows downwards); then `work`:
 * project threads (rounded, `th_<key>`) and agent runs (framed, `run_<key>`), each with an edge
 * from the tasks it waits for. Unknown dependency keys are left out.
 */
export function toMermaid(
  nodes: Record<string, MermaidNode>,
  work: readonly MermaidWork[] = [],
): string {
  const keys = Object.keys(nodes);
  const ids = mermaidIds(keys);
  const lines = ["flowchart TD"];
  for (const key of keys)
    lines.push(`  ${ids.get(key)}["${escapeMermaidLabel(nodes[key].title)}"]`);
  for (const key of keys) {
    for (const dep of nodes[key].dependsOn ?? []) {
      const from = ids.get(dep);
      if (from) lines.push(`  ${from} --> ${ids.get(key)}`);
    }
  }
  // Project threads are rounded, runs framed; each after the tasks it waits for.
  const workIds = new Set<string>(ids.values());
  for (const item of work) {
    const base = `${item.kind === "thread" ? "th" : "run"}_${item.key.replace(/[^A-Za-z0-9_]/g, "_")}`;
    let id = base;
    for (let n = 2; workIds.has(id); n++) id = `${base}_${n}`;
    workIds.add(id);
    const label = escapeMermaidLabel(`${item.kind === "thread" ? "Thread" : "Run"}: ${item.title}`);
    lines.push(item.kind === "thread" ? `  ${id}(["${label}"])` : `  ${id}[["${label}"]]`);
    for (const dep of item.dependsOn ?? []) {
      const from = ids.get(dep);
      if (from) lines.push(`  ${from} --> ${id}`);
    }
  }
  return lines.join("\n");
}
