import type { RouteName } from "../provider/client/schemas";
import type { AgentResult, ResolvedAgent } from "./agent";
import type { Store } from "./store";
import type { ApiVariant } from "./variants";

/** The fixed user that owns every task of the emulator. */
export const EMULATOR_USER_ID = "user_emulator";

/** The kinds of paid work: a task's run-thread, a thread created with content, a server run. */
export type AgentExecutionKind = "runThread" | "threadContent" | "serverRun";

/** What route handlers share: the store, the agent's settings and the clock. */
export interface EmulatorState {
  readonly store: Store;
  /** The agent's current settings (they can change while the emulator runs). */
  agent(): ResolvedAgent;
  /**
   * Runs the stand-in agent on `prompt` — paid work — and counts it in the stats under `kind`
   * (every execution of the agent goes through here).
   */
  execute(kind: AgentExecutionKind, prompt: string, agent: ResolvedAgent): AgentResult;
  /**
   * Background progress of async runs, in ms. While `hold` is true an async run that would end
   * stays `running` (its id in `held`) until the emulator's `holdAsyncRuns(false)`.
   */
  readonly asyncRun: { queuedMs: number; runningMs: number; hold: boolean; held: Set<string> };
  /** The agent runtime servers that exist; undefined: every server id exists. */
  readonly servers: ReadonlySet<string> | undefined;
  /** Runs `fn` after `ms`, on an unref'd timer that `close()` clears. */
  schedule(ms: number, fn: () => void): void;
  /** Resolves after `ms` (unref'd timer). */
  sleep(ms: number): Promise<void>;
  /** Now by the server's clock (see `clockOffsetMs`), as an ISO 8601 string. */
  now(): string;
  /** How this API departs from the contract (the contract's behaviour by default). */
  readonly variant: ApiVariant;
  /** Ids of the tasks deleted since the last reset (for `deletedTaskStatus`). */
  readonly deletedTaskIds: Set<string>;
}

/** What a route handler sees of a request. */
export interface RouteRequest {
  params: Record<string, string>;
  query: Record<string, string>;
  /** The parsed JSON body; undefined when there is none. */
  body: unknown;
}

/** A route handler's answer; `body` undefined means no body (204). */
export interface RouteResponse {
  status: number;
  body?: unknown;
}

export type RouteHandler = (request: RouteRequest) => RouteResponse | Promise<RouteResponse>;
export type RouteHandlers = Partial<Record<RouteName, RouteHandler>>;
