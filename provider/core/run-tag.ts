/**
 * The run tag: how a `pulumi-acp up --fast` that is killed before it writes its state can
 * still find, on the next run, the tasks it created, even on an API that does not replay
 * Idempotency-Keys.
 *
 * A fast run writes its state once, at the end, so a killed one has recorded none of its
 * creates. The command (provider/cli/fast.ts) gives each fast run a random run id in the
 * provider's environment ({@link RUN_ID_ENV}); every task created under it carries one
 * metadata entry, {@link RUN_TAG_KEY}: `"<run id>/<project>/<stack>/<resource name>"`. The
 * repair after a kill (provider/cli/recover.ts) lists the server's tasks, keeps those whose
 * run tag names the killed run's id (a random 128-bit value only that run knew, so a task made by
 * anyone else never matches) and this stack, and hands the provider a file of resource keys to
 * task ids ({@link ADOPT_FILE_ENV}): a create whose key is in it adopts that task instead of
 * creating a second one.
 *
 * The run tag must never show as a change: metadata is a user input compared deeply. So it lives
 * only on the server. It is added to the create request's body (and nowhere when no run id is
 * set: a run without one sends exactly what earlier versions sent, with the same idempotency
 * keys) and taken out of every task the provider turns into outputs or refreshed inputs, so
 * existing states, the user's metadata, diffs and outputs are exactly as before.
 */
import * as fs from "node:fs";
import { stableKey } from "./compare";
import type { CheckFailure } from "./types";

/** The metadata entry a fast run adds to each task it creates. Reserved: check refuses it. */
export const RUN_TAG_KEY = "pulumiAcpRun";

/** Environment variable holding the run id of a fast run (32 hex digits); unset otherwise. */
export const RUN_ID_ENV = "PULUMI_ACP_RUN_ID";

/** Environment variable naming a JSON file `{ "<resource key>": "<task id>" }` to adopt. */
export const ADOPT_FILE_ENV = "PULUMI_ACP_ADOPT_FILE";

const RUN_ID = /^[0-9a-f]{32}$/;

/** The parts of a run tag's value. */
export interface RunTag {
  runId: string;
  /** The resource key, `<project>/<stack>/<resource name>`. */
  key: string;
}

/** Reads a task's run tag from its metadata; undefined when it has none (or not ours). */
export function parseRunTag(metadata: unknown): RunTag | undefined {
  if (metadata === null || typeof metadata !== "object") return undefined;
  const value = (metadata as Record<string, unknown>)[RUN_TAG_KEY];
  if (typeof value !== "string") return undefined;
  const slash = value.indexOf("/");
  const runId = value.slice(0, slash);
  if (slash < 0 || !RUN_ID.test(runId) || slash === value.length - 1) return undefined;
  return { runId, key: value.slice(slash + 1) };
}

function currentRunId(env: NodeJS.ProcessEnv): string | undefined {
  const id = env[RUN_ID_ENV]?.trim();
  return id && RUN_ID.test(id) ? id : undefined;
}

/**
 * The create request's metadata with this run's tag added, or `metadata` itself when no fast
 * run id is set or the resource has no key.
 */
export function taggedMetadata(
  metadata: Record<string, unknown> | undefined,
  key: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, unknown> | undefined {
  const runId = currentRunId(env);
  if (!runId || !key) return metadata;
  return { ...metadata, [RUN_TAG_KEY]: `${runId}/${key}` };
}

/**
 * The metadata entry a paid run carries while the provider has not yet finished creating it:
 * `"<32 hex digits>/<resource key>"`, the digits a digest of what was asked (the task, the
 * request's body, the triggers). Paid work whose answer was lost (a dropped connection, a
 * timeout, a 5xx, an engine killed before it wrote its state) is found by it on the server and
 * adopted instead of being paid for again, on an API that does not replay Idempotency-Keys too.
 * The create that made the run takes it off again as its last request, so a run whose create
 * finished is never adopted (a `pulumi up --replace` runs the prompt again, as asked).
 * Reserved: check refuses it in a program's metadata.
 */
export const PENDING_WORK_KEY = "pulumiAcpPending";

/** The reserved metadata keys: the provider's run tag and pending mark, never shown in outputs. */
export const RESERVED_METADATA_KEYS = [RUN_TAG_KEY, PENDING_WORK_KEY] as const;

/** The pending mark of one resource's paid run, from what the run was asked to do. */
export function pendingMark(resourceKey: string, request: readonly string[]): string {
  return `${stableKey("", 32, [resourceKey, ...request])}/${resourceKey}`;
}

/** Whether `metadata` (a thread's, as the API returns it) carries the pending mark `mark`. */
export function hasPendingWork(metadata: unknown, mark: string): boolean {
  return (
    metadata !== null &&
    typeof metadata === "object" &&
    (metadata as Record<string, unknown>)[PENDING_WORK_KEY] === mark
  );
}

/** Metadata without the pending mark (a fast run's tag stays: see the repair). */
export function withoutPendingWork<T>(metadata: T): T {
  if (metadata === null || typeof metadata !== "object" || !(PENDING_WORK_KEY in metadata)) {
    return metadata;
  }
  const { [PENDING_WORK_KEY]: _pendingMark, ...rest } = metadata as Record<string, unknown>;
  return rest as T;
}

/** A task's or thread's metadata without the provider's run tag and pending mark: what the user set, exactly. */
export function withoutProviderMetadata<T>(metadata: T): T {
  if (
    metadata === null ||
    typeof metadata !== "object" ||
    !RESERVED_METADATA_KEYS.some((key) => key in metadata)
  ) {
    return metadata;
  }
  const rest = { ...(metadata as Record<string, unknown>) };
  for (const key of RESERVED_METADATA_KEYS) delete rest[key];
  return rest as T;
}

let adoptions: { file: string; map: Record<string, string> } | undefined;

/**
 * The task a killed fast run created for the resource `key`, which the repair found and this
 * create must adopt instead of creating another; undefined when there is none.
 */
export function taskToAdopt(
  key: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const file = env[ADOPT_FILE_ENV]?.trim();
  if (!key || !file) return undefined;
  if (adoptions?.file !== file) {
    let map: Record<string, string> = {};
    try {
      const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as { adopt?: unknown };
      if (parsed.adopt && typeof parsed.adopt === "object") {
        map = parsed.adopt as Record<string, string>;
      }
    } catch (err) {
      throw new Error(
        `cannot read the repair's list of tasks to adopt (${file}): ${(err as Error).message}; run the pulumi-acp command again to repeat the repair`,
      );
    }
    adoptions = { file, map };
  }
  const id = adoptions.map[key];
  return typeof id === "string" && id !== "" ? id : undefined;
}

/** check's failures for a program's metadata that uses a key the provider reserves. */
export function reservedMetadataFailures(metadata: unknown): CheckFailure[] {
  if (metadata === null || typeof metadata !== "object") return [];
  return RESERVED_METADATA_KEYS.filter((key) => key in metadata).map((key) => ({
    property: "metadata",
    reason: `the key ${key} is reserved for pulumi-acp's ${key === RUN_TAG_KEY ? "fast runs" : "paid work's pending mark"}: rename it`,
  }));
}
