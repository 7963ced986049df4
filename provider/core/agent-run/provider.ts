/**
 * The AgentRun provider core: an agent runtime run (`POST /v1/servers/{serverId}/runs`), waited
 * for until it has ended, for both front doors. Its field knowledge comes from the table in
 * ./fields.ts.
 *
 * A run is paid work that the API can neither change nor delete, so the provider takes care that
 * it runs exactly when the program says: a create's Idempotency-Key is stable for the resource and
 * its inputs (a lost answer, even to a killed engine, is answered with the run it started); a run
 * that has been accepted is always recorded, whatever happens after (failure, timeout, a lost
 * poll); a recorded run that has not ended is waited for again, never started again; only a run
 * that failed or was cancelled is run again, by the next update.
 */
import { randomUUID } from "node:crypto";
import {
  AcpTimeoutError,
  NotFoundError,
  TERMINAL_RUN_STATUSES,
  type RunCreateParams,
  type RunEnvelope,
} from "../../client";
import { noBlindResend } from "../paid-work";
import { reportNote, waitReporter } from "../progress";
import { acpClient } from "../settings";
import { canonicalJson, containsUnknown, definedOnly, stableKey } from "../compare";
import { checkFailures, describeError } from "../errors";
import { splitImportId } from "../import-id";
import { diffFields } from "../fields";
import type {
  CheckResult,
  CreateResult,
  DiffResult,
  Props,
  ReadResult,
  ResourceCore,
  UpdateResult,
} from "../types";
import {
  DEFAULT_RUN_POLL_INTERVAL_SECONDS,
  DEFAULT_RUN_WAIT_TIMEOUT_SECONDS,
  RUN_FIELDS,
} from "./fields";
import {
  AgentRunCheckSchema,
  AgentRunInputs,
  promptFailures,
  type AgentRunProviderInputs,
} from "./inputs";
import { pickInputs, POLICIES, runOutputs, STATE_INPUTS } from "./state";

export { AgentRunInputs, type AgentRunProviderInputs };

/** Statuses of a run that has ended and failed: the next update runs it again. */
const FAILED_STATUSES: readonly string[] = ["failed", "cancelled"];

const isTerminal = (status: unknown) =>
  TERMINAL_RUN_STATUSES.includes(status as (typeof TERMINAL_RUN_STATUSES)[number]);

/** The run-create body of these inputs. */
function createBody(inputs: AgentRunProviderInputs): RunCreateParams {
  return definedOnly({
    prompt: inputs.prompt,
    content: inputs.content,
    title: inputs.title,
    mode: inputs.mode ?? RUN_FIELDS.mode.default,
    metadata: inputs.metadata,
  }) as RunCreateParams;
}

/** A run that was accepted: raised so that the engine records it (a partial create or update). */
function recorded(
  err: Error,
  runId: string,
  env: RunEnvelope,
  inputs: Partial<AgentRunProviderInputs>,
): Error {
  return Object.assign(err, { id: runId, properties: runOutputs(env, inputs) });
}

/** The error of a run that failed or was cancelled: the run's own error, and what happens next. */
function failure(serverId: string, runId: string, env: RunEnvelope): Error {
  const what = env.run.status === "cancelled" ? "was cancelled" : "failed";
  return new Error(
    `agent run ${runId} on server ${serverId} ${what}: ${env.run.error ?? "no error given"}; it is recorded, and the next pulumi up runs it again because it failed`,
  );
}

/** The AgentRun provider's implementation. */
export class AgentRunProviderImpl implements ResourceCore<AgentRunProviderInputs & Props, Props> {
  async check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult> {
    const known: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(news)) {
      // A value not known yet is checked as a value of its type: a server id, a prompt, a list.
      if (!containsUnknown(value)) known[key] = value;
      else if (key === "triggers") known[key] = [];
      else if (key === "serverId" || key === "prompt" || key === "content") known[key] = "unknown";
    }
    return {
      inputs: news,
      failures: [...checkFailures(AgentRunCheckSchema.safeParse(known)), ...promptFailures(known)],
    };
  }

  async diff(
    _id: string,
    olds: Record<string, unknown>,
    news: AgentRunProviderInputs & Record<string, unknown>,
  ): Promise<DiffResult> {
    // An imported run has no record of how it was made: it takes the program's, instead of
    // being run again for them.
    const recordedOlds = olds.mode === undefined ? { ...olds, ...importedSettings(news) } : olds;
    const { replaces, changed } = diffFields(RUN_FIELDS, recordedOlds, news);
    // A run that failed or was cancelled is run again by the next update, because it failed.
    if (FAILED_STATUSES.includes(olds.status as string) && replaces.length === 0)
      replaces.push("status");
    // A run recorded before it ended is waited for by update, never started again.
    const unfinished = olds.status !== undefined && !isTerminal(olds.status);
    return {
      changes: replaces.length + changed.length > 0 || unfinished,
      replaces,
      deleteBeforeReplace: false,
    };
  }

  /**
   * Starts the run and waits for it to end. `resourceKey` stands in for an `__acpKey` input where
   * the front door knows the resource's name without one (the plugin's URN).
   */
  async create(
    inputs: AgentRunProviderInputs,
    context: { resourceKey?: string } = {},
  ): Promise<CreateResult> {
    const client = acpClient();
    const { serverId } = inputs;
    const resourceKey = inputs.__acpKey ?? context.resourceKey;
    const body = createBody(inputs);
    const doing = `starting an agent run on server ${serverId}`;
    // Stable for this resource and these inputs: a create whose answer was lost, even to a
    // killed engine, is answered with the run it started instead of running the agent again.
    let idempotencyKey = resourceKey
      ? stableKey("pulumi-acp-run-", 40, [
          resourceKey,
          serverId,
          canonicalJson(body),
          canonicalJson(inputs.triggers ?? null),
        ])
      : `pulumi-acp-run-${randomUUID()}`;
    for (;;) {
      let replayed = false;
      let env: RunEnvelope;
      try {
        env = await client.runs.create(serverId, body, {
          idempotencyKey,
          onIdempotentReplay: () => (replayed = true),
          // Paid work that cannot be looked up: never sent twice blindly.
          onAmbiguousRetry: noBlindResend(`the run on server ${serverId}`),
        });
      } catch (err) {
        if (NotFoundError.isInstance(err)) {
          throw new Error(
            `${doing}: the API knows no agent runtime server "${serverId}" (${err.message}); check serverId`,
          );
        }
        throw describeError(err, doing);
      }
      const runId = env.run.id as string;
      env = await this.waitForEnd(serverId, runId, env, inputs);
      const status = env.run.status as string;
      if (replayed && FAILED_STATUSES.includes(status)) {
        // The answer replayed is a run that failed: this create is its re-run. The re-run's key
        // is derived from the failed run, so a re-run whose answer is lost is replayed in turn.
        idempotencyKey = stableKey("pulumi-acp-run-", 40, [idempotencyKey, runId]);
        continue;
      }
      if (FAILED_STATUSES.includes(status)) {
        throw recorded(failure(serverId, runId, env), runId, env, inputs);
      }
      return { id: runId, outs: runOutputs(env, inputs) };
    }
  }

  /**
   * The run once it has ended: `env` itself when it has, else polled every pollIntervalSeconds
   * for up to waitTimeoutSeconds. A run still going then, or one that cannot be read, is raised
   * with its id and its last known outputs, so that the engine records it.
   */
  private async waitForEnd(
    serverId: string,
    runId: string,
    env: RunEnvelope,
    inputs: Partial<AgentRunProviderInputs>,
  ): Promise<RunEnvelope> {
    if (isTerminal(env.run.status)) return env;
    const client = acpClient();
    const waitSeconds = inputs.waitTimeoutSeconds ?? DEFAULT_RUN_WAIT_TIMEOUT_SECONDS;
    const pollSeconds = inputs.pollIntervalSeconds ?? DEFAULT_RUN_POLL_INTERVAL_SECONDS;
    // Shown by the engine as the resource's status while it waits.
    const report = waitReporter(`agent run ${runId} on server ${serverId}`, waitSeconds);
    report(env.run.status ?? "queued");
    try {
      return await client.runs.waitForCompletion(serverId, runId, {
        timeoutMs: waitSeconds * 1000,
        pollIntervalMs: pollSeconds * 1000,
        onPoll: (polled) => report(polled.run.status ?? "running"),
      });
    } catch (err) {
      if (!AcpTimeoutError.isInstance(err)) {
        throw recorded(
          describeError(err, `waiting for agent run ${runId} on server ${serverId} to end`),
          runId,
          env,
          inputs,
        );
      }
    }
    let latest = env;
    try {
      latest = await client.runs.retrieve(serverId, runId);
    } catch {
      // The last answer read stands in: the run is recorded either way.
    }
    if (isTerminal(latest.run.status)) return latest;
    throw recorded(
      new Error(
        `agent run ${runId} on server ${serverId} was still ${latest.run.status ?? "going"} after waitTimeoutSeconds (${waitSeconds}s); it is recorded, and the next pulumi up waits for it again instead of starting another: raise waitTimeoutSeconds to wait longer`,
      ),
      runId,
      latest,
      inputs,
    );
  }

  /**
   * Reads the run. With no recorded state (an import), `id` is `<serverId>/<runId>`: the API
   * reads a run only under its server.
   */
  async read(id: string, props: Record<string, unknown> = {}): Promise<ReadResult> {
    let runId = id;
    let recordedProps = props;
    if (props.serverId === undefined) {
      const [serverId, child] = splitImportId(id, {
        resource: "an AgentRun",
        form: "<serverId>/<runId>",
        give: "the server's id and the run's id",
        example: "srv_123/run_456",
      });
      [recordedProps, runId] = [{ serverId }, child];
    }
    const serverId = recordedProps.serverId as string;
    let env: RunEnvelope;
    try {
      env = await acpClient().runs.retrieve(serverId, runId);
    } catch (err) {
      if (NotFoundError.isInstance(err)) return { id: "" };
      throw describeError(err, `reading agent run ${runId} on server ${serverId}`);
    }
    const inputs = pickInputs(recordedProps);
    const outs = runOutputs(env, inputs);
    // An imported run's mode, prompt and triggers are unknown (see diff): none is recorded.
    if (recordedProps.mode === undefined) delete outs.mode;
    // A run cannot change its inputs: they are what the state recorded.
    return { id: runId, props: outs, inputs };
  }

  /**
   * A run recorded before it ended is waited for (see {@link waitForEnd}); otherwise only the
   * provider's settings changed, which are recorded without a request.
   */
  async update(
    id: string,
    olds: Record<string, unknown>,
    news: AgentRunProviderInputs & Record<string, unknown>,
  ): Promise<UpdateResult> {
    const serverId = (news.serverId ?? olds.serverId) as string;
    if (olds.status !== undefined && !isTerminal(olds.status)) {
      let env: RunEnvelope;
      try {
        env = await acpClient().runs.retrieve(serverId, id);
      } catch (err) {
        throw describeError(err, `reading agent run ${id} on server ${serverId}`);
      }
      env = await this.waitForEnd(serverId, id, env, news);
      const status = env.run.status as string;
      if (FAILED_STATUSES.includes(status)) {
        throw recorded(failure(serverId, id, env), id, env, news);
      }
      return { outs: runOutputs(env, news) };
    }
    const outs: Record<string, unknown> = { ...olds };
    delete outs.__provider;
    delete outs.__acpKey;
    const given = news as Record<string, unknown>;
    for (const field of STATE_INPUTS) {
      const value = given[field] ?? POLICIES[field].default;
      if (value !== undefined) outs[field] = value;
      else delete outs[field];
    }
    return { outs };
  }

  /**
   * Forgets the run: the API has no route that deletes a run, so no request is made and the run
   * stays on its server.
   */
  /**
   * Forgets the run: the API has no route that deletes one. No request; a note in the engine's
   * output says so.
   */
  async delete(id: string, props: Record<string, unknown> = {}): Promise<void> {
    const where = typeof props.serverId === "string" ? ` on server ${props.serverId}` : "";
    reportNote(
      `agent run ${id}${where} is forgotten, not deleted: the API cannot delete a run, so it stays on its server`,
    );
  }
}

/** How an imported run was made, and the provider's settings, taken from the program (see diff). */
function importedSettings(news: Record<string, unknown>): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const field of STATE_INPUTS) {
    if (field !== "serverId") settings[field] = news[field] ?? POLICIES[field].default;
  }
  return settings;
}
