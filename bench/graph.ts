/** The benchmark's task graph: layered, seeded, about two dependencies per task. */
import { seededRandom } from "pulumi-acp/emulator";

/** One task of the graph: its key and the keys of the tasks it depends on. */
export interface GraphNode {
  key: string;
  deps: string[];
}

/**
 * A DAG of `n` tasks in `layers` layers (topological order). Tasks of the first layer have no
 * dependencies; every other task depends on two distinct tasks of earlier layers (one when only
 * one task comes before its layer, as in the second layer of a graph of at most `layers`
 * tasks), the first always from the layer just before (so the graph really is `layers` deep).
 */
export function buildGraph(n: number, seed = 42, layers = 10): GraphNode[] {
  const rand = seededRandom(seed);
  const perLayer = Math.ceil(n / layers);
  const nodes: GraphNode[] = [];
  for (let i = 0; i < n; i++) {
    const layer = Math.floor(i / perLayer);
    const deps: string[] = [];
    if (layer > 0) {
      const prevStart = (layer - 1) * perLayer;
      const layerStart = layer * perLayer;
      deps.push(nodes[prevStart + Math.floor(rand() * perLayer)].key);
      // Two distinct dependencies need two earlier tasks to choose from.
      const wanted = Math.min(2, layerStart);
      while (deps.length < wanted) {
        const candidate = nodes[Math.floor(rand() * layerStart)].key;
        if (!deps.includes(candidate)) deps.push(candidate);
      }
    }
    nodes.push({ key: `t${String(i).padStart(4, "0")}`, deps });
  }
  return nodes;
}

/** Average dependencies per task and the depth (longest chain) of a graph. */
export function graphShape(nodes: GraphNode[]): { avgDeps: number; depth: number } {
  const depth = new Map<string, number>();
  let total = 0;
  for (const node of nodes) {
    total += node.deps.length;
    depth.set(node.key, 1 + Math.max(0, ...node.deps.map((d) => depth.get(d) ?? 0)));
  }
  return { avgDeps: total / nodes.length, depth: Math.max(...depth.values()) };
}
