/**
 * The field-policy table: what the provider knows about each property of a resource kind,
 * written once per kind (task/fields.ts, task-thread/fields.ts). diff, the update body, the
 * outputs, refresh, the dynamic resources' registration, the plugin's schema and the sprint-file
 * rules all read it; none keeps a list of its own.
 */
import type { z } from "zod";
import { containsUnknown, deepEqual, sameInstant, sameSet } from "./compare";

/** How a program's value is compared with the recorded one. */
export type Comparison = "exact" | "set" | "instant" | "deep";

/** The policy of one property. */
export interface FieldPolicy {
  /** A program can set it. Every property is also an output. */
  readonly input: boolean;
  /**
   * Where the output's value comes from: `api` the object the API returns (and refresh reads
   * back); `state` the program's input, kept in the state only (the API cannot return it);
   * `call` what the create call returned, kept from then on (the API cannot return it again);
   * `provider` computed by the provider.
   */
  readonly source: "api" | "state" | "call" | "provider";
  /** Changing the input replaces the resource. */
  readonly replaces?: boolean;
  /** A change is sent to the API in an update of the object itself. */
  readonly inPlace?: boolean;
  /**
   * The API can clear it (update with `clearWith`) when a program stops setting it; a field that
   * is not clearable is left as the server has it.
   */
  readonly clearable?: boolean;
  /** The value that clears it in an update: `null` unless given. */
  readonly clearWith?: unknown;
  /** How values are compared; `exact` unless given. */
  readonly compare?: Comparison;
  /** The value recorded (and compared) when a program does not set it. */
  readonly default?: string | number | boolean;
  /** An `api` input recorded as the program gave it, over the API's value, when it is set. */
  readonly echo?: boolean;
  /** The API's name of the property, where it differs (the thread's prompt is `task`). */
  readonly apiName?: string;
  /** Required input. */
  readonly required?: boolean;
  /**
   * The output always has a value (the API always returns it, or the provider sets it); a
   * required input or one with a default has one too. Types the declared output.
   */
  readonly present?: boolean;
  /** The output's type, for properties that neither the inputs nor the API's schema describe. */
  readonly type?: z.ZodType;
  /** An input's type as an output, where the provider records something else than the input. */
  readonly outputType?: z.ZodType;
  /** What a user needs to know: the plugin's schema and the docs show it. */
  readonly doc: string;
}

/** A resource kind's table: its properties in the order they are registered. */
export type FieldTable = Readonly<Record<string, FieldPolicy>>;

/** The names of the properties that satisfy `pick`, in table order. */
export function fieldsWhere(table: FieldTable, pick: (p: FieldPolicy) => boolean): string[] {
  return Object.entries(table)
    .filter(([, p]) => pick(p))
    .map(([name]) => name);
}

/** True when two values of a property are the same under its comparison. */
export function fieldEqual(policy: FieldPolicy, a: unknown, b: unknown): boolean {
  switch (policy.compare ?? "exact") {
    case "set":
      return sameSet(a as string[], b as string[]);
    case "instant":
      return sameInstant(a as string, b as string);
    case "deep":
      // An object no program set and an empty one are the same metadata.
      return deepEqual(a ?? {}, b ?? {});
    default:
      return a === b;
  }
}

/** The properties a diff found changed: those that replace the resource, and the others. */
export interface FieldChanges {
  replaces: string[];
  changed: string[];
}

/**
 * Compares a program's inputs with the recorded outputs, property by property, by the table.
 * A `state` input is compared as given (its default standing in when unset), so that removing
 * one is a change. An unset `api` input is unmanaged (whatever the API or its agents put there
 * stays) unless the program managed it before (`previouslyManaged`): then it is cleared where the
 * API can clear it, and replaces the resource where a change would.
 */
export function diffFields(
  table: FieldTable,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  previouslyManaged: ReadonlySet<string> = new Set(),
): FieldChanges {
  const changes: FieldChanges = { replaces: [], changed: [] };
  for (const [field, policy] of Object.entries(table)) {
    if (!policy.input) continue;
    const next = news[field] ?? policy.default;
    const prev = olds[field];
    let differs: boolean;
    if (containsUnknown(next)) differs = true;
    else if (next === undefined || next === null) {
      differs =
        policy.source === "api"
          ? previouslyManaged.has(field) && !!(policy.clearable || policy.replaces) && prev != null
          : prev !== undefined;
    } else differs = !fieldEqual(policy, next, prev);
    if (differs) (policy.replaces ? changes.replaces : changes.changed).push(field);
  }
  return changes;
}

/**
 * The inputs of `table` recorded among a resource's outputs (or given in its inputs): those set
 * and known, by the table's names. Read and refresh report them as the resource's inputs.
 */
export function recordedInputs(
  table: FieldTable,
  props: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, policy] of Object.entries(table)) {
    if (policy.input && props[key] !== undefined && !containsUnknown(props[key]))
      out[key] = props[key];
  }
  return out;
}
