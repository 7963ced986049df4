/**
 * The layered task graphs of the reliability suites (100 tasks; 200 for the fast-run suite) and
 * the checks that the emulator's store holds exactly that graph: every declared task once, none
 * extra, dependencyIds right.
 */
import type { StoreSnapshot } from "pulumi-acp/emulator";
import type { TaskSpec } from "../e2e/programs";

/** Key of task number `i` (0-based). */
function keyOf(i: number): string {
  return `t${String(i).padStart(3, "0")}`;
}

/**
 * A layered graph of `layers * width` tasks: each task past the first layer depends on two
 * tasks of the layer before, so creates run in parallel within a layer and in order across them.
 * Titles are unique, so a duplicate on the server is a second task with the same title.
 */
export function layeredTaskGraph(
  tag: string,
  layers: number,
  width: number,
): Record<string, TaskSpec> {
  const specs: Record<string, TaskSpec> = {};
  for (let i = 0; i < layers * width; i++) {
    const layer = Math.floor(i / width);
    const col = i % width;
    const spec: TaskSpec = {
      title: `${tag} task ${i}`,
      projectId: "proj_reliability",
      priority: (["low", "medium", "high", "urgent"] as const)[i % 4],
      metadata: { layer, col },
    };
    if (layer > 0) {
      const prev = (layer - 1) * width;
      spec.dependsOn = [keyOf(prev + col), keyOf(prev + ((col + 3) % width))];
    }
    specs[keyOf(i)] = spec;
  }
  return specs;
}

/** The 100-task graph: 10 layers of 10, at most 10 deep. */
export function hundredTaskGraph(tag: string): Record<string, TaskSpec> {
  return layeredTaskGraph(tag, 10, 10);
}

/** What differs between the store and the declared graph; all zero/empty when they match. */
export interface GraphMismatch {
  /** Declared titles with no task on the server. */
  missing: string[];
  /** Titles held by more than one task on the server (each extra copy counted). */
  duplicates: number;
  /** Tasks on the server that the graph does not declare. */
  extra: number;
  /** Declared tasks whose dependencyIds are not the ids of their declared dependencies. */
  wrongDependencies: string[];
}

/** Compares the store's tasks with the declared graph, by title (titles are unique). */
export function compareWithGraph(
  specs: Record<string, TaskSpec>,
  snapshot: StoreSnapshot,
): GraphMismatch {
  const byTitle = new Map<string, Array<StoreSnapshot["tasks"][number]>>();
  for (const task of snapshot.tasks) {
    const list = byTitle.get(String(task.title)) ?? [];
    list.push(task);
    byTitle.set(String(task.title), list);
  }
  const declaredTitles = new Set(Object.values(specs).map((s) => String(s.title)));
  const mismatch: GraphMismatch = { missing: [], duplicates: 0, extra: 0, wrongDependencies: [] };
  for (const [title, list] of byTitle) {
    if (!declaredTitles.has(title)) mismatch.extra += list.length;
    else mismatch.duplicates += list.length - 1;
  }
  for (const [key, spec] of Object.entries(specs)) {
    const found = byTitle.get(String(spec.title));
    if (!found) {
      mismatch.missing.push(key);
      continue;
    }
    const want = new Set(
      (spec.dependsOn ?? []).map((dep) => byTitle.get(String(specs[dep].title))?.[0]?.id),
    );
    const got = new Set(found[0].dependencyIds ?? []);
    if (want.size !== got.size || [...want].some((id) => !got.has(id as string))) {
      mismatch.wrongDependencies.push(key);
    }
  }
  return mismatch;
}
