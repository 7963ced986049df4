/**
 * Ways the emulator can play an API that departs from the contract, one assumption at a time, so
 * that `pulumi-acp doctor` (and anything else that depends on an assumption) can be tested both
 * ways. Every option defaults to the contract's behaviour.
 */
export interface ApiVariantOptions {
  /**
   * Replay the stored answer of a POST whose Idempotency-Key was already used. Default true;
   * false acts again on every request, as an API without idempotency keys would.
   * CLI `--no-idempotency-replay`.
   */
  idempotencyReplay?: boolean;
  /** Mark a replayed answer with `Idempotent-Replayed: true`. Default true. CLI `--no-replayed-header`. */
  replayedHeader?: boolean;
  /** `PATCH /v1/tasks/{id}` accepts `null` to clear a field. Default true; false answers 422. CLI `--patch-refuses-null`. */
  patchAcceptsNull?: boolean;
  /** `PATCH /v1/tasks/{id}` accepts status `in_review`. Default true; false answers 422. CLI `--patch-refuses-in-review`. */
  patchAcceptsInReview?: boolean;
  /**
   * Envelope of `GET /v1/tasks`: `"tasks"` answers `{tasks, nextCursor}` (the contract), `"data"`
   * answers `{data, next_cursor}`. Default "tasks". CLI `--list-envelope data`.
   */
  listEnvelope?: "tasks" | "data";
  /** Status of a successful DELETE of a task or thread: 204 (no body) or 200 (`{deleted, id}`). Default 204. CLI `--delete-status 200`. */
  deleteStatus?: 204 | 200;
  /** 409 bodies carry `reason`. Default true. CLI `--no-conflict-reason`. */
  conflictReason?: boolean;
  /** 400/422 bodies carry `field`. Default true. CLI `--no-validation-field`. */
  validationField?: boolean;
  /** 429 answers carry `Retry-After`. Default true. CLI `--no-retry-after`. */
  retryAfter?: boolean;
  /** Status of `GET /v1/tasks/{id}` for a task that was deleted: 404 or 410. Default 404. CLI `--deleted-task-status 410`. */
  deletedTaskStatus?: 404 | 410;
  /** Keep only strings in metadata: other values are stored as their JSON text. Default false. CLI `--metadata-strings`. */
  metadataStrings?: boolean;
  /** The server's clock runs this many ms ahead of this machine's (negative: behind). Default 0. CLI `--clock-offset MS`. */
  clockOffsetMs?: number;
}

/** {@link ApiVariantOptions} with every default filled in. */
export type ApiVariant = Required<ApiVariantOptions>;

/** The contract's behaviour: what the emulator plays unless told otherwise. */
export const CONTRACT_VARIANT: ApiVariant = {
  idempotencyReplay: true,
  replayedHeader: true,
  patchAcceptsNull: true,
  patchAcceptsInReview: true,
  listEnvelope: "tasks",
  deleteStatus: 204,
  conflictReason: true,
  validationField: true,
  retryAfter: true,
  deletedTaskStatus: 404,
  metadataStrings: false,
  clockOffsetMs: 0,
};

/** Fills in the defaults, and refuses a value that is not one of the documented choices. */
export function resolveVariant(options: ApiVariantOptions = {}): ApiVariant {
  const variant: ApiVariant = { ...CONTRACT_VARIANT };
  for (const [key, value] of Object.entries(options) as [keyof ApiVariant, unknown][]) {
    if (value === undefined) continue;
    if (!(key in CONTRACT_VARIANT)) continue;
    (variant as Record<string, unknown>)[key] = value;
  }
  if (variant.listEnvelope !== "tasks" && variant.listEnvelope !== "data") {
    throw new TypeError(
      `listEnvelope must be "tasks" or "data", got ${String(variant.listEnvelope)}`,
    );
  }
  if (variant.deleteStatus !== 204 && variant.deleteStatus !== 200) {
    throw new TypeError(`deleteStatus must be 204 or 200, got ${String(variant.deleteStatus)}`);
  }
  if (variant.deletedTaskStatus !== 404 && variant.deletedTaskStatus !== 410) {
    throw new TypeError(
      `deletedTaskStatus must be 404 or 410, got ${String(variant.deletedTaskStatus)}`,
    );
  }
  if (!Number.isFinite(variant.clockOffsetMs)) {
    throw new TypeError(
      `clockOffsetMs must be a number of ms, got ${String(variant.clockOffsetMs)}`,
    );
  }
  return variant;
}

/** Metadata as the variant stores it: as sent, or with every non-string value as JSON text. */
export function storedMetadata<T extends Record<string, unknown> | undefined | null>(
  variant: ApiVariant,
  metadata: T,
): T {
  if (!variant.metadataStrings || metadata == null) return metadata;
  return Object.fromEntries(
    Object.entries(metadata).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  ) as T;
}
