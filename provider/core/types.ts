/**
 * What the provider core answers, in plain data. Both front doors hand these to the engine as
 * they are: Pulumi's dynamic provider interface and its provider plugin interface share them.
 */

/** A property that failed validation, and what to do about it. */
export interface CheckFailure {
  /** The property, as a path (`dependencyIds.0`). */
  property: string;
  /** What is wrong, and how to fix it. */
  reason: string;
}

/** check: the inputs to use, and every validation failure. */
export interface CheckResult {
  inputs: Record<string, unknown>;
  failures: CheckFailure[];
}

/** diff: whether anything changed, what replaces the resource, and in which order. */
export interface DiffResult {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
}

/** create: the new object's id and the outputs to record. */
export interface CreateResult {
  id: string;
  outs: Record<string, unknown>;
}

/** read: the object's id (empty when it is gone), its outputs, and its inputs as they now are. */
export interface ReadResult {
  id: string;
  props?: Record<string, unknown>;
  inputs?: Record<string, unknown>;
}

/** update: the full outputs after the update. */
export interface UpdateResult {
  outs: Record<string, unknown>;
}
