/**
 * The raw API: the same tasks created with bare undici requests, each as soon as its
 * dependencies exist, at most `parallel` at a time (the engine's parallelism).
 */
import { randomUUID } from "node:crypto";
import { Agent } from "undici";
import type { GraphNode } from "./graph";

/** Creates every task of `graph`; returns the ids by key. */
export async function rawCreate(
  graph: GraphNode[],
  baseUrl: string,
  token: string,
  parallel: number,
): Promise<Map<string, string>> {
  const agent = new Agent({ connections: parallel, keepAliveTimeout: 10_000 });
  const ids = new Map<string, string>();
  const dependents = new Map<string, GraphNode[]>();
  const waiting = new Map<string, number>();
  for (const node of graph) {
    waiting.set(node.key, node.deps.length);
    for (const d of node.deps) dependents.set(d, [...(dependents.get(d) ?? []), node]);
  }
  const ready: GraphNode[] = graph.filter((n) => n.deps.length === 0);
  let running = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const pump = (): void => {
        if (ids.size === graph.length) return resolve();
        while (running < parallel && ready.length > 0) {
          const node = ready.shift() as GraphNode;
          running++;
          create(node).then(
            (id) => {
              running--;
              ids.set(node.key, id);
              for (const dep of dependents.get(node.key) ?? []) {
                const left = (waiting.get(dep.key) as number) - 1;
                waiting.set(dep.key, left);
                if (left === 0) ready.push(dep);
              }
              pump();
            },
            (err: unknown) => reject(err),
          );
        }
      };
      pump();
    });
  } finally {
    await agent.close();
  }
  return ids;

  async function create(node: GraphNode): Promise<string> {
    const body = JSON.stringify({
      title: `Benchmark task ${node.key}`,
      description: `Task ${node.key} of the benchmark graph; depends on ${node.deps.join(", ") || "nothing"}.`,
      priority: "medium",
      dependencyIds: node.deps.map((d) => ids.get(d)),
    });
    const res = await agent.request({
      origin: baseUrl,
      path: "/v1/tasks",
      method: "POST",
      headers: {
        accept: "application/json",
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        "idempotency-key": randomUUID(),
      },
      body,
    });
    const json = (await res.body.json()) as { task?: { id?: unknown } };
    const id = json.task?.id;
    if (res.statusCode !== 201 || typeof id !== "string") {
      throw new Error(`raw create of ${node.key}: HTTP ${res.statusCode} ${JSON.stringify(json)}`);
    }
    return id;
  }
}
