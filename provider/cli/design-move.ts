/**
 * Moving a sprint's stack between the two designs of its tasks (one resource per task, or one
 * Sprint for all of them) without creating any task again. Read from the stack's exported state,
 * by the sprint file's task keys:
 *
 * - the ids the other design's records hold become the new design's `adoptExistingId`s, so the
 *   up reads each task instead of creating it (0 POST /v1/tasks);
 * - before that up, the other design's records get `retainOnDelete`, so the engine drops them
 *   from the state without a DELETE to the API. Both happen in the one up: a run killed half-way
 *   leaves the old records (and their ids) in the state, and the next up completes the move.
 *   The command's programs never set `retainOnDelete` themselves, so a flag found in the state
 *   is a move in progress (a destroy clears it first, and deletes everything);
 * - an `adoptExistingId` the state recorded for a task is declared again on every later up:
 *   changing it would replace the task.
 *
 * Threads, project threads and runs keep their names and parent (the graph), so their URNs and
 * inputs are the same in both designs: the engine keeps them (a run is never started again) and
 * only points their dependencies at the new records.
 */
import type { Stack } from "@pulumi/pulumi/automation";
import type { SprintDesign, SprintFile } from "../components/sprint-file";
import { RESOURCE_KINDS } from "../core/kinds";
import { sprintProgram } from "./sprint-program";
import { readDeployment } from "./state-read";

/** Where the stack's state is read from (see ./state-read.ts). */
export interface StateWhere {
  project: string;
  localBackendDir?: string;
}

/** The graph component's type token, the parent of every record the move reads. */
export const GRAPH_TOKEN = "acp:index:TaskGraph";

/** The Sprint resource's type token. */
export const SPRINT_TOKEN = RESOURCE_KINDS.sprint.pluginToken;

/** One resource of an exported deployment, as far as the move reads it. */
export interface StateRecord {
  urn: string;
  type: string;
  id?: string;
  parent?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  retainOnDelete?: boolean;
}

/** The tasks of one graph as the state holds them, in either design. */
export interface GraphState {
  /** Key → the per-task record: its URN, id and the `adoptExistingId` it was declared with. */
  perTask: Record<string, { urn: string; id: string; adopted?: string }>;
  /** The Sprint record, if any: its URN, `taskIds`, and the `adoptExistingId`s it was given. */
  sprint?: { urn: string; taskIds: Record<string, string>; adopted: Record<string, string> };
}

/** What an up in one design does to move the stack's tasks from the other. */
export interface MovePlan {
  /** Key → id to declare as the task's `adoptExistingId`. */
  adopt: Record<string, string>;
  /** The keys among {@link adopt} that move from the other design's records now. */
  moving: string[];
  /** URNs of the other design's records to drop from the state without deleting their tasks. */
  retain: string[];
}

/** The last part of a URN: the resource's name. */
export function urnName(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

function stringRecord(value: unknown): Record<string, string> {
  if (value === null || typeof value !== "object") return {};
  return Object.fromEntries(
    Object.entries(value).filter((e): e is [string, string] => typeof e[1] === "string"),
  );
}

/** The tasks of the graph named `graphName` in the exported `resources`. */
export function graphState(resources: StateRecord[], graphName: string): GraphState {
  const graph = resources.find((r) => r.type === GRAPH_TOKEN && urnName(r.urn) === graphName);
  const state: GraphState = { perTask: {} };
  if (!graph) return state;
  const taskTokens = new Set<string>([
    RESOURCE_KINDS.task.dynamicToken,
    RESOURCE_KINDS.task.pluginToken,
  ]);
  const prefix = `${graphName}-`;
  for (const r of resources) {
    if (r.parent !== graph.urn) continue;
    if (taskTokens.has(r.type) && r.id && urnName(r.urn).startsWith(prefix)) {
      const adopted = r.inputs?.adoptExistingId;
      state.perTask[urnName(r.urn).slice(prefix.length)] = {
        urn: r.urn,
        id: r.id,
        ...(typeof adopted === "string" ? { adopted } : {}),
      };
    } else if (r.type === SPRINT_TOKEN) {
      const tasks = (r.inputs?.tasks ?? {}) as Record<string, { adoptExistingId?: unknown }>;
      const adopted: Record<string, string> = {};
      for (const [key, task] of Object.entries(tasks)) {
        if (typeof task?.adoptExistingId === "string") adopted[key] = task.adoptExistingId;
      }
      state.sprint = { urn: r.urn, taskIds: stringRecord(r.outputs?.taskIds), adopted };
    }
  }
  return state;
}

/** A move that would lose tasks: nothing was changed. */
export class DesignMoveError extends Error {
  readonly code = "design_move_refused";
  constructor(message: string) {
    super(message);
    this.name = "DesignMoveError";
  }
}

/**
 * The plan of an up in `design` of the sprint file's tasks (`declared`: key → the
 * `adoptExistingId` the file itself sets, which always wins). See the module's comment.
 */
export function movePlan(
  state: GraphState,
  design: SprintDesign,
  declared: Record<string, string | undefined>,
): MovePlan {
  const plan: MovePlan = { adopt: {}, moving: [], retain: [] };
  const keys = Object.keys(declared).filter((k) => declared[k] === undefined);
  const take = (key: string, id: string | undefined, moving: boolean) => {
    if (id === undefined) return;
    plan.adopt[key] = id;
    if (moving) plan.moving.push(key);
  };
  if (design === "sprint") {
    for (const key of keys) {
      const kept = state.sprint?.adopted[key];
      take(key, kept ?? state.perTask[key]?.id, state.perTask[key] !== undefined);
    }
    // Records of tasks the file no longer declares are left to be deleted, as any up does.
    plan.retain = Object.keys(declared)
      .filter((k) => state.perTask[k])
      .map((k) => state.perTask[k].urn);
    return plan;
  }
  const sprint = state.sprint;
  for (const key of keys) {
    const record = state.perTask[key];
    if (record) take(key, record.adopted, false);
    else take(key, sprint?.taskIds[key], true);
  }
  if (sprint) {
    const dropped = Object.keys(sprint.taskIds).filter((k) => !(k in declared));
    if (dropped.length > 0) {
      throw new DesignMoveError(
        `the stack's Sprint holds tasks the sprint file no longer declares (${dropped.join(", ")}): run \`pulumi-acp up --bulk\` first to delete them (or declare them again), then move the stack to one resource per task`,
      );
    }
    plan.retain = [sprint.urn];
  }
  return plan;
}

/**
 * The deployment with `retainOnDelete` set on the records `urns` (`keep`), or cleared on every
 * record (`clear`); undefined when nothing changes.
 */
export function withRetainFlags(
  deployment: { resources?: StateRecord[] } & Record<string, unknown>,
  change: { keep: string[] } | { clear: true },
): typeof deployment | undefined {
  const resources = deployment.resources ?? [];
  const keep = "keep" in change ? new Set(change.keep) : undefined;
  let changed = false;
  const next = resources.map((r) => {
    const want = keep ? keep.has(r.urn) || Boolean(r.retainOnDelete) : false;
    if (Boolean(r.retainOnDelete) === want) return r;
    changed = true;
    const { retainOnDelete: _old, ...rest } = r;
    return want ? { ...rest, retainOnDelete: true } : rest;
  });
  return changed ? { ...deployment, resources: next } : undefined;
}

/** Ids of the tasks a sprint file itself adopts, by key (undefined: the file adopts none). */
function declaredAdoptions(sprint: SprintFile): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(sprint.tasks).map(([key, task]) => {
      const id = task.adoptExistingId;
      return [key, typeof id === "string" ? id : undefined];
    }),
  );
}

/**
 * Sets the stack's program to the sprint file in `design`, adopting what the state holds (see
 * the module's comment), and says what an up moves. Changes nothing in the state.
 */
export async function prepareDesign(
  stack: Stack,
  target: { command: string; sprintFile: string; sprint: SprintFile; design: SprintDesign },
  say: (text?: string) => void,
  where: StateWhere,
): Promise<MovePlan> {
  const { command, sprintFile, sprint, design } = target;
  const deployment = (await readDeployment(stack, where)) as { resources?: StateRecord[] };
  const state = graphState(deployment.resources ?? [], sprint.name ?? "sprint");
  const plan = movePlan(state, design, declaredAdoptions(sprint));
  stack.workspace.program = sprintProgram(sprintFile, { design, adopt: plan.adopt });
  if (plan.moving.length === 0) return plan;
  const applies = command === "up";
  const records =
    design === "sprint" ? `their ${plan.retain.length} per-task record(s)` : "the Sprint's record";
  say(
    `${applies ? "Moving" : "An up would move"} ${plan.moving.length} task(s) ${design === "sprint" ? "into one Sprint resource" : "out of the Sprint into one resource each"}: each is adopted by the id the state holds, so no task is created again, and ${records} ${applies ? "leave" : "would leave"} the state without a DELETE to the API${applies ? "" : " (the deletes shown below for them)"}.`,
  );
  say();
  return plan;
}

/**
 * Marks the records the up drops (`plan.retain`) `retainOnDelete`, right before the up: the
 * engine then forgets them without a DELETE. Run again by a rerun, it changes nothing.
 */
export async function retainMoved(stack: Stack, plan: MovePlan): Promise<void> {
  if (plan.retain.length === 0) return;
  const exported = await stack.exportStack();
  const next = withRetainFlags(exported.deployment ?? {}, { keep: plan.retain });
  if (next) await stack.importStack({ ...exported, deployment: next });
}

/**
 * Clears every `retainOnDelete` of the stack (a move that did not finish), so that a destroy
 * deletes every task: a task two records hold is deleted once, the second finds it gone.
 */
export async function clearRetainFlags(stack: Stack, where: StateWhere): Promise<void> {
  // Read without the CLI where it can be; export and import only when a flag is set.
  const current = (await readDeployment(stack, where)) as Parameters<typeof withRetainFlags>[0];
  if (!withRetainFlags(current, { clear: true })) return;
  const exported = await stack.exportStack();
  const next = withRetainFlags(exported.deployment ?? {}, { clear: true });
  if (next) await stack.importStack({ ...exported, deployment: next });
}
