import { Agent, type Dispatcher } from "undici";
import { AcpClient, type ClientOptions } from "../../provider/client";

/** A token distinctive enough that any leak is found by a plain substring search. */
export const SECRET_TOKEN = "tok_LEAKCHECK_9f3a7c1e5b2d";

/** The emulator's per-request fault header. */
export const FAULT_HEADER = "x-acp-emulator-fault";

/** Client options for tests: fast retries, short timeouts. */
export function testClientOptions(baseUrl: string, extra: ClientOptions = {}): ClientOptions {
  return {
    baseUrl,
    token: SECRET_TOKEN,
    retryBaseDelayMs: 5,
    retryMaxDelayMs: 20,
    timeoutMs: 5_000,
    ...extra,
  };
}

/**
 * A dispatcher that adds the emulator's fault header to the next requests, one fault value
 * per request in order (then none): e.g. `["status=503"]` fails only the first attempt, so the
 * retry reaches the real handler. `calls` records every request the client sent.
 */
export function faultingDispatcher(): {
  dispatcher: Dispatcher;
  queue: string[];
  calls: { method: string; path: string; headers: Record<string, string> }[];
  close(): Promise<void>;
} {
  const agent = new Agent();
  const queue: string[] = [];
  const calls: { method: string; path: string; headers: Record<string, string> }[] = [];
  const dispatcher = agent.compose((dispatch) => (opts, handler) => {
    const headers = { ...(opts.headers as Record<string, string> | undefined) };
    calls.push({ method: opts.method, path: opts.path, headers });
    const fault = queue.shift();
    if (fault !== undefined) headers[FAULT_HEADER] = fault;
    return dispatch({ ...opts, headers }, handler);
  });
  return { dispatcher, queue, calls, close: () => agent.close() };
}

/** Total requests the emulator saw for a route key such as `GET /v1/tasks/:taskId`, by status. */
export function countRequests(
  stats: { requests: Record<string, Record<string, number>> },
  key: string,
): { total: number; byStatus: Record<string, number> } {
  const byStatus = stats.requests[key] ?? {};
  return { total: Object.values(byStatus).reduce((a, b) => a + b, 0), byStatus };
}

/** A fresh client for a test. */
export function makeClient(baseUrl: string, extra: ClientOptions = {}): AcpClient {
  return new AcpClient(testClientOptions(baseUrl, extra));
}
