/**
 * What a Sprint records per task in the state, compactly: the task's id and the last value it
 * applied of each field the program declares (a digest where the value is long), its
 * dependencies by key, and the fields it ignores. Enough for diff, update and refresh; the
 * task's other fields stay on the server.
 */
import { canonicalJson, stableKey } from "../compare";
import { fieldEqual, type FieldPolicy } from "../fields";
import { TASK_FIELDS } from "../task/fields";

/** A recorded value too long to keep: the digest of its compared form. */
export interface Digest {
  "#sha256": string;
}

/** One task of a Sprint as the state records it. */
export interface SprintTaskState {
  /** The task's id; absent while a create's outcome is not known (looked up before retrying). */
  id?: string;
  /** The last applied value (or its digest) of each declared field. */
  fields: Record<string, unknown>;
  /**
   * Keys of the tasks it depends on, sorted; a long list is recorded as one entry, its digest
   * (`#sha256:<hex>`).
   */
  dependsOn?: string[];
  /** Fields whose changes on the server are left alone. */
  ignore?: string[];
  /** The id of a task this one replaces (gone, or in another project): never adopted as it. */
  was?: string;
}

/** A Sprint's tasks as recorded, by key. */
export type SprintTasksState = Record<string, SprintTaskState>;

/** The longest value (as JSON) recorded as it is; longer ones are recorded as a digest. */
const RAW_LIMIT = 40;
/** The longest dependency list (as JSON) recorded as it is. */
const DEPS_LIMIT = 160;

const policies: Record<string, FieldPolicy> = TASK_FIELDS;

/** The form of a value that comparisons see: sets sorted, instants normalized, objects canonical. */
function comparedForm(field: string, value: unknown): string {
  const policy = policies[field];
  switch (policy?.compare ?? "exact") {
    case "set":
      return canonicalJson([...new Set(value as string[])].sort());
    case "instant": {
      const t = Date.parse(value as string);
      return Number.isNaN(t) ? String(value) : new Date(t).toISOString();
    }
    case "deep":
      return canonicalJson(value ?? {});
    default:
      return canonicalJson(value);
  }
}

function isDigest(value: unknown): value is Digest {
  return value !== null && typeof value === "object" && "#sha256" in value;
}

function digestOf(text: string): Digest {
  return { "#sha256": stableKey("", 16, [text]) };
}

/** The value to record for `field`: itself, or a digest when it is long. */
export function recordValue(field: string, value: unknown): unknown {
  return canonicalJson(value).length <= RAW_LIMIT ? value : digestOf(comparedForm(field, value));
}

/** True when a program's value of `field` is the recorded one, by the Task's field table. */
export function sameAsRecorded(field: string, recorded: unknown, value: unknown): boolean {
  if (isDigest(recorded)) {
    return digestOf(comparedForm(field, value))["#sha256"] === recorded["#sha256"];
  }
  const policy = policies[field];
  return policy
    ? fieldEqual(policy, value, recorded)
    : canonicalJson(value) === canonicalJson(recorded);
}

/** The prefix of a recorded dependency list's digest. */
const DEPS_DIGEST = "#sha256:";

/** The dependency keys to record: sorted, or their digest when the list is long. */
export function recordDependsOn(keys: readonly string[]): string[] | undefined {
  if (keys.length === 0) return undefined;
  const sorted = [...new Set(keys)].sort();
  const text = canonicalJson(sorted);
  return text.length <= DEPS_LIMIT ? sorted : [`${DEPS_DIGEST}${digestOf(text)["#sha256"]}`];
}

/** True when `keys` are the recorded dependencies, in any order. */
export function sameDependsOn(recorded: SprintTaskState["dependsOn"], keys: readonly string[]) {
  return canonicalJson(recordDependsOn(keys) ?? null) === canonicalJson(recorded ?? null);
}

/** The recorded dependency keys, when the state lists them (not a digest). */
export function recordedDependsOn(state: SprintTaskState): string[] | undefined {
  const deps = state.dependsOn;
  if (deps === undefined) return [];
  return deps.length === 1 && deps[0].startsWith(DEPS_DIGEST) ? undefined : deps;
}

/** The tasks state of a Sprint's recorded outputs (empty when there is none). */
export function tasksStateOf(olds: Record<string, unknown>): SprintTasksState {
  const tasks = olds.tasks;
  return tasks !== null && typeof tasks === "object" ? (tasks as SprintTasksState) : {};
}

/** The task ids by key of a tasks state (tasks whose create is not known are left out). */
export function taskIdsOf(state: SprintTasksState): Record<string, string> {
  const ids: Record<string, string> = {};
  for (const [key, task] of Object.entries(state)) if (task.id) ids[key] = task.id;
  return ids;
}
