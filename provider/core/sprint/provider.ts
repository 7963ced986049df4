/**
 * The Sprint provider core: one resource that owns a whole task graph and makes the API calls
 * itself (creates in dependency order, one PATCH per changed task, deletes dependents first),
 * in one engine step. Served by the `acp` plugin.
 */
import { randomBytes } from "node:crypto";
import { toMermaid } from "../../components/graph";
import { containsUnknown, stableKey, UNKNOWN } from "../compare";
import type {
  CheckResult,
  CreateContext,
  CreateResult,
  DiffResult,
  Props,
  ReadResult,
  ResourceCore,
  UpdateResult,
} from "../types";
import { applySprint, type SprintApply } from "./apply";
import { checkSprint } from "./check";
import { concurrencyOf, declaredTasks, SprintInputs, type DeclaredTask } from "./inputs";
import { reportNote } from "../progress";
import { detailedDiffOf, planSprint, recreateNote, type PropertyDiff } from "./plan";
import { refreshSprint } from "./refresh";
import { tasksStateOf, taskIdsOf, type SprintTasksState } from "./state";

export { SprintInputs };

/** A Sprint's recorded outputs. */
export interface SprintOutputs extends Props {
  tasks: SprintTasksState;
  taskIds: Record<string, string>;
  mermaid: string;
  strayTaskIds?: string[];
  concurrency?: number;
  exclusive?: boolean;
}

const SPRINT_ID = /^sprint-([0-9a-f]{32})$/;

/** The Sprint's id: `sprint-` and 32 hex digits, stable for one resource key. */
export function sprintIdOf(resourceKey: string | undefined): string {
  const hex = resourceKey ? stableKey("", 32, [resourceKey]) : randomBytes(16).toString("hex");
  return `sprint-${hex}`;
}

function hexOf(id: string): string {
  const m = SPRINT_ID.exec(id);
  if (!m) throw new Error(`"${id}" is not a Sprint's id (sprint-<32 hex digits>)`);
  return m[1];
}

/**
 * The outputs of a Sprint whose tasks are as `state` records. `settings` holds its concurrency
 * and exclusive (the inputs, or the recorded outputs at refresh); `mermaid` its graph.
 */
function outputsOf(
  state: SprintTasksState,
  strays: string[],
  settings: Props,
  mermaid: string,
): SprintOutputs {
  const outs: SprintOutputs = { tasks: state, taskIds: taskIdsOf(state), mermaid };
  if (strays.length > 0) outs.strayTaskIds = strays;
  if (settings.concurrency !== undefined) outs.concurrency = concurrencyOf(settings);
  if (settings.exclusive === true) outs.exclusive = true;
  return outs;
}

function mermaidOf(declared: readonly DeclaredTask[]): string {
  return toMermaid(
    Object.fromEntries(
      declared.map((t) => [
        t.key,
        { title: String(t.values.title ?? t.key), dependsOn: t.dependsOn },
      ]),
    ),
  );
}

/** An error that tells the engine what exists although some operations failed. */
function partialFailure(run: SprintApply, id: string, outs: SprintOutputs): Error {
  const failed = [...run.errors.entries()];
  const shown = failed.slice(0, 5).map(([key, err]) => `${key}: ${err.message}`);
  const message = `${failed.length} task operation(s) failed; every task that exists is recorded, run pulumi up again to continue:\n  ${shown.join("\n  ")}${failed.length > 5 ? `\n  ... and ${failed.length - 5} more` : ""}`;
  return Object.assign(new Error(message), { id, properties: outs, reasons: [message] });
}

/** The Sprint provider's implementation. */
export class SprintProviderImpl implements ResourceCore<Props, SprintOutputs> {
  async check(_olds: Props, news: Props): Promise<CheckResult> {
    return checkSprint(news);
  }

  /** Compares the declared tasks with the recorded ones, task by task, field by field: no API call. */
  async diff(_id: string, olds: SprintOutputs, news: Props): Promise<DiffResult> {
    if (news.tasks === UNKNOWN || containsUnknown(Object.keys(news.tasks ?? {}))) {
      return {
        changes: true,
        replaces: [],
        deleteBeforeReplace: false,
        detailedDiff: { tasks: { kind: "update", replace: false } },
      };
    }
    const plan = planSprint(tasksStateOf(olds), declaredTasks(news));
    // The detailed diff has no kind for "created again inside the resource" (a replace kind would
    // replace the whole Sprint), so the preview is told in a note beside it.
    for (const w of plan.work) {
      if (w.kind === "recreate") reportNote(recreateNote(w.key, w.changed));
    }
    const detailedDiff: Record<string, PropertyDiff> = detailedDiffOf(plan);
    if ((olds.strayTaskIds ?? []).length > 0) {
      detailedDiff.strayTaskIds = { kind: "delete", replace: false };
    }
    if ((olds.exclusive === true) !== (news.exclusive === true)) {
      detailedDiff.exclusive = { kind: "update", replace: false };
    }
    if ((olds.concurrency ?? undefined) !== (news.concurrency ?? undefined)) {
      detailedDiff.concurrency = { kind: "update", replace: false };
    }
    const changes = Object.keys(detailedDiff).length > 0;
    return { changes, replaces: [], deleteBeforeReplace: false, detailedDiff };
  }

  async create(inputs: Props, context: CreateContext = {}): Promise<CreateResult> {
    const id = sprintIdOf(context.resourceKey);
    const outs = await this.apply(id, {}, [], inputs);
    return { id, outs };
  }

  async read(id: string, props: Props = {}): Promise<ReadResult> {
    if (!props.tasks) {
      throw new Error(
        `a Sprint cannot be imported (${id}): declare its tasks with adoptExistingId to take over existing tasks`,
      );
    }
    const { state, strays } = await refreshSprint(props);
    // The recorded graph stays: refresh reads tasks, not the program's titles.
    return { id, props: outputsOf(state, strays, props, String(props.mermaid ?? "")) };
  }

  async update(id: string, olds: SprintOutputs, news: Props): Promise<UpdateResult> {
    const state = structuredClone(tasksStateOf(olds));
    return { outs: await this.apply(id, state, [...(olds.strayTaskIds ?? [])], news) };
  }

  async delete(id: string, props?: SprintOutputs): Promise<void> {
    const run = newRun(
      id,
      structuredClone(tasksStateOf(props ?? {})),
      [...(props?.strayTaskIds ?? [])],
      {
        concurrency: props?.concurrency,
      },
    );
    run.declared = [];
    await applySprint(run);
    if (run.errors.size > 0) {
      const [key, err] = [...run.errors.entries()][0];
      throw new Error(
        `${run.errors.size} task(s) could not be deleted (first: ${key}: ${err.message}); run pulumi destroy again`,
      );
    }
  }

  /** Applies the declared tasks over `state`; the outputs, or a partial failure carrying them. */
  private async apply(
    id: string,
    state: SprintTasksState,
    strays: string[],
    inputs: Props,
  ): Promise<SprintOutputs> {
    const run = newRun(id, state, strays, inputs);
    await applySprint(run);
    const outs = outputsOf(run.state, run.strays, inputs, mermaidOf(run.declared));
    if (run.errors.size > 0) throw partialFailure(run, id, outs);
    return outs;
  }
}

function newRun(id: string, state: SprintTasksState, strays: string[], inputs: Props): SprintApply {
  return {
    who: { hex: hexOf(id) },
    declared: declaredTasks(inputs),
    concurrency: concurrencyOf(inputs),
    state,
    strays,
    dirty: new Set(),
    errors: new Map(),
    progress: 0,
    uncertain: 0,
  };
}
