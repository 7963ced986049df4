import type { RequestOptions } from "../core";
import { AcpAbortError, AcpTimeoutError } from "../errors";
import { RunCreateParams, RunEnvelope, type RunStatus } from "../schemas";
import { APIResource } from "./resource";

/** Options of {@link Runs.waitForCompletion}. */
export interface WaitForCompletionOptions {
  /** Give up after this many ms with an AcpTimeoutError. */
  timeoutMs: number;
  /** Delay between polls in ms. Default 1000. */
  pollIntervalMs?: number;
  /** Stops waiting with an AcpAbortError. */
  signal?: AbortSignal;
  /** Called with each read of the run that has not ended yet (e.g. to show its status). */
  onPoll?: (env: RunEnvelope) => void;
}

/** Run statuses after which a run does not change any more. */
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ["completed", "failed", "cancelled"];

/** Agent runtime runs: `/v1/servers/{serverId}/runs`. */
export class Runs extends APIResource {
  /**
   * `POST /v1/servers/{serverId}/runs` [spec]: 201 when run to the end synchronously, 202 when
   * accepted for background execution (`mode: "async"`). Sends an Idempotency-Key.
   */
  async create(
    serverId: string,
    params: RunCreateParams,
    opts?: RequestOptions,
  ): Promise<RunEnvelope> {
    return this._client.request({
      route: "createRun",
      pathParams: { serverId },
      body: { schema: RunCreateParams, value: params },
      response: RunEnvelope,
      idempotent: true,
      opts,
    });
  }

  /** `GET /v1/servers/{serverId}/runs/{runId}` [assumed]. */
  async retrieve(serverId: string, runId: string, opts?: RequestOptions): Promise<RunEnvelope> {
    return this._client.request({
      route: "retrieveRun",
      pathParams: { serverId, runId },
      response: RunEnvelope,
      opts,
    });
  }

  /**
   * Polls the run until it is completed, failed or cancelled, and returns it. AcpTimeoutError
   * once `timeoutMs` has passed; AcpAbortError when `signal` fires.
   */
  async waitForCompletion(
    serverId: string,
    runId: string,
    options: WaitForCompletionOptions,
  ): Promise<RunEnvelope> {
    const deadline = Date.now() + options.timeoutMs;
    const interval = options.pollIntervalMs ?? 1000;
    const path = `/v1/servers/${serverId}/runs/${runId}`;
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new AcpTimeoutError(`run ${runId} did not finish within ${options.timeoutMs} ms`);
      }
      const env = await this.retrieve(serverId, runId, {
        signal: options.signal,
        timeoutMs: Math.max(1, Math.ceil(remaining)),
      });
      const status = env.run.status;
      if (status && TERMINAL_RUN_STATUSES.includes(status)) return env;
      options.onPoll?.(env);
      const wait = Math.min(interval, deadline - Date.now());
      if (wait <= 0) {
        throw new AcpTimeoutError(
          `run ${runId} did not finish within ${options.timeoutMs} ms (last status: ${status ?? "unknown"})`,
        );
      }
      await new Promise<void>((resolve, reject) => {
        const signal = options.signal;
        if (signal?.aborted)
          return reject(new AcpAbortError(`waiting for ${path} was aborted by the caller`));
        const onAbort = (): void => {
          clearTimeout(timer);
          reject(
            new AcpAbortError(`waiting for ${path} was aborted by the caller`, {
              cause: signal?.reason,
            }),
          );
        };
        const timer = setTimeout(() => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        }, wait);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    }
  }
}
