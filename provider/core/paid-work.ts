/**
 * Paid work the API offers no way to look up: a thread created with a first message, an agent
 * run. There is no route that lists them, so when a request's answer is lost after the API may
 * have acted (a dropped connection, a timeout, a 5xx), the provider cannot find out whether the
 * agent ran. It does not send the request again on its own (a run thread, which it can find
 * again by its pending mark, is retried: see run-tag.ts); it fails, saying so. The next
 * `pulumi up` sends the request again with the same Idempotency-Key, so an API that replays keys
 * answers it with the work already done.
 */
import type { AcpError } from "../client";

/**
 * The client's `onAmbiguousRetry` for paid work that cannot be looked up: stops the retry with an
 * error that says what may have happened and what to do. `what` names the work.
 */
export function noBlindResend(what: string): (failure: AcpError) => Promise<void> {
  return async (failure) => {
    throw new Error(
      `${what}: the API may have started it before its answer was lost (${failure.message}), and it cannot be looked up, so pulumi-acp does not send it again on its own. The next pulumi up sends it again with the same Idempotency-Key: an API that replays keys answers with the work already done; on one that does not, check first that the agent did not run (then import what it made).`,
    );
  };
}
