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
  /**
   * What changed, by property path (`tasks["build"].title`), for a kind whose inputs nest: the
   * engine shows it in a preview (the plugin hands it over; the dynamic door cannot).
   */
  detailedDiff?: Record<string, PropertyDiff>;
}

/** One entry of a detailed diff: how the property at its path changed. */
export interface PropertyDiff {
  kind: "add" | "update" | "delete";
  /** Whether this change replaces the resource. */
  replace: boolean;
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

/** A resource's properties as the engine hands them over. */
export type Props = Record<string, unknown>;

/** What create is told beyond the inputs. */
export interface CreateContext {
  /** `<project>/<stack>/<resource name>`: keeps a create's idempotency key stable across runs. */
  resourceKey?: string;
}

/**
 * The operations of one resource kind, which both front doors call. `Inputs` are what check
 * accepted (the engine hands diff, create and update nothing else); `Outputs` what create, read
 * and update recorded. A door holds every kind as `ResourceCore` (plain property bags): method
 * parameters compare both ways, so a kind's typed implementation serves there as it is.
 */
export interface ResourceCore<Inputs extends Props = Props, Outputs extends Props = Props> {
  /** Validates a program's inputs; failures name the property and what to do. */
  check(olds: Props, news: Props): Promise<CheckResult>;
  /** Compares a program's inputs with the recorded outputs, by the kind's field table. */
  diff(id: string, olds: Outputs, news: Inputs): Promise<DiffResult>;
  /** Creates the object (or adopts one); the outputs to record. */
  create(inputs: Inputs, context?: CreateContext): Promise<CreateResult>;
  /** Reads the object back; an empty id when it is gone. */
  read(id: string, props?: Props): Promise<ReadResult>;
  /** Updates the object in place; the full outputs. */
  update(id: string, olds: Outputs, news: Inputs): Promise<UpdateResult>;
  /** Deletes (or forgets) the object; one already gone counts as deleted. */
  delete(id: string, props?: Outputs): Promise<void>;
}
