/**
 * The benchmark's task graph: for every size (the small ones included, where two distinct
 * earlier tasks do not exist yet) it returns a DAG in topological order with the documented
 * shape: the first layer without dependencies, every other task depending on a task of the
 * layer just before and on at most one more, distinct, earlier task.
 */
import { it as prop } from "@fast-check/jest";
import { buildGraph, graphShape, type GraphNode } from "../../bench/graph";
import { fc } from "../property/settings";

/** What breaks the graph's invariants: one line per problem, none for a valid graph. */
function problems(nodes: GraphNode[], n: number, layers: number): string[] {
  const found: string[] = [];
  if (nodes.length !== n) found.push(`${nodes.length} tasks, not ${n}`);
  const perLayer = Math.ceil(n / layers);
  const index = new Map<string, number>();
  nodes.forEach((node, i) => {
    const at = `task ${i} (${node.key})`;
    if (index.has(node.key)) found.push(`${at}: key repeated`);
    const layer = Math.floor(i / perLayer);
    const earlier = layer * perLayer;
    // Two dependencies whenever two earlier tasks exist, none in the first layer.
    const wanted = layer === 0 ? 0 : Math.min(2, earlier);
    if (node.deps.length !== wanted) found.push(`${at}: ${node.deps.length} deps, not ${wanted}`);
    if (new Set(node.deps).size !== node.deps.length) found.push(`${at}: a dependency repeated`);
    for (const dep of node.deps) {
      const j = index.get(dep);
      if (j === undefined || j >= earlier) found.push(`${at}: ${dep} is not in an earlier layer`);
    }
    // The first from the layer just before: the graph is as deep as it has layers.
    const first = node.deps.length > 0 ? index.get(node.deps[0]) : undefined;
    if (first !== undefined && first < earlier - perLayer) {
      found.push(`${at}: first dependency not in the layer just before`);
    }
    index.set(node.key, i);
  });
  const depth = graphShape(nodes).depth;
  if (depth !== Math.ceil(n / perLayer)) found.push(`depth ${depth}`);
  return found;
}

describe("buildGraph", () => {
  it("returns a valid DAG for every n from 1 to 60", () => {
    for (let n = 1; n <= 60; n++) expect(problems(buildGraph(n), n, 10)).toEqual([]);
  });

  it("is the same graph for the same seed, and 10 deep from n = 10", () => {
    expect(buildGraph(500)).toEqual(buildGraph(500));
    expect(buildGraph(500, 7)).not.toEqual(buildGraph(500));
    expect(graphShape(buildGraph(10)).depth).toBe(10);
    expect(graphShape(buildGraph(2000)).depth).toBe(10);
  });

  prop.prop([
    fc.integer({ min: 1, max: 3000 }),
    fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    fc.integer({ min: 1, max: 20 }),
  ])("returns a valid DAG for any size, seed and number of layers", (n, seed, layers) => {
    expect(problems(buildGraph(n, seed, layers), n, layers)).toEqual([]);
  });
});
