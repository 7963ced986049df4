/**
 * Every route of the ACP API that this project uses, and every convention it assumes.
 *
 * Routes marked `spec` come from the API's reference pages. Routes and conventions marked
 * `assumed` fill gaps the pages leave (a provider cannot read, update or delete without them):
 * when the real API differs, this file and the schemas beside it are what change.
 * The client and the emulator both build their paths from here.
 */

/** Where a route comes from. */
export type RouteSource = "spec" | "assumed";

/**
 * A route: its method, a path template, where it comes from, and the answer it gives when it
 * succeeds (`pulumi-acp doctor` checks a real API against these).
 */
export interface RouteDef {
  readonly method: "GET" | "POST" | "PATCH" | "DELETE";
  /** Path template with `:name` parameters, as fastify-style routers take it. */
  readonly path: string;
  readonly source: RouteSource;
  /** The success statuses the contract names. */
  readonly success: readonly number[];
  /** Other 2xx statuses the client also accepts (a difference it works around). */
  readonly tolerated?: readonly number[];
  /** Top-level keys the success body must have; empty when the answer has no body. */
  readonly envelope: readonly string[];
}

export const ROUTES = {
  createTask: {
    method: "POST",
    path: "/v1/tasks",
    source: "spec",
    success: [201],
    envelope: ["task"],
  },
  startThread: {
    method: "POST",
    path: "/v1/tasks/:taskId/start-thread",
    source: "spec",
    success: [201],
    envelope: ["thread", "task"],
  },
  runThread: {
    method: "POST",
    path: "/v1/tasks/:taskId/run-thread",
    source: "spec",
    success: [201],
    envelope: ["thread", "task", "subtasks", "execution"],
  },
  createThread: {
    method: "POST",
    path: "/v1/threads",
    source: "spec",
    success: [201],
    envelope: ["thread"],
  },
  createRun: {
    method: "POST",
    path: "/v1/servers/:serverId/runs",
    source: "spec",
    success: [201, 202],
    envelope: ["serverId", "run", "thread", "events"],
  },

  retrieveTask: {
    method: "GET",
    path: "/v1/tasks/:taskId",
    source: "assumed",
    success: [200],
    envelope: ["task"],
  },
  updateTask: {
    method: "PATCH",
    path: "/v1/tasks/:taskId",
    source: "assumed",
    success: [200],
    envelope: ["task"],
  },
  deleteTask: {
    method: "DELETE",
    path: "/v1/tasks/:taskId",
    source: "assumed",
    success: [204],
    tolerated: [200],
    envelope: [],
  },
  listTasks: {
    method: "GET",
    path: "/v1/tasks",
    source: "assumed",
    success: [200],
    envelope: ["tasks"],
  },
  retrieveThread: {
    method: "GET",
    path: "/v1/threads/:threadId",
    source: "assumed",
    success: [200],
    envelope: ["thread"],
  },
  updateThread: {
    method: "PATCH",
    path: "/v1/threads/:threadId",
    source: "assumed",
    success: [200],
    envelope: ["thread"],
  },
  deleteThread: {
    method: "DELETE",
    path: "/v1/threads/:threadId",
    source: "assumed",
    success: [204],
    tolerated: [200],
    envelope: [],
  },
  retrieveRun: {
    method: "GET",
    path: "/v1/servers/:serverId/runs/:runId",
    source: "assumed",
    success: [200],
    envelope: ["serverId", "run", "thread", "events"],
  },
} as const satisfies Record<string, RouteDef>;

export type RouteName = keyof typeof ROUTES;

/**
 * Fills a route's path template. Every parameter is percent-encoded, so an id can never
 * change which route is called.
 */
export function routePath(name: RouteName, params: Record<string, string> = {}): string {
  return ROUTES[name].path.replace(/:([A-Za-z]+)/g, (_, key: string) => {
    const value = params[key];
    if (value === undefined || value === "") {
      throw new TypeError(`${name}: path parameter "${key}" is required`);
    }
    return encodeURIComponent(value);
  });
}

/**
 * [assumed] Request header that makes a POST safe to retry: the server answers a repeated
 * key with the first response instead of creating again.
 */
export const IDEMPOTENCY_HEADER = "Idempotency-Key";

/** [assumed] Response header marking an answer replayed for a repeated Idempotency-Key. */
export const IDEMPOTENT_REPLAYED_HEADER = "Idempotent-Replayed";

/** [assumed] Response header on 429 (and 503): seconds, or an HTTP date, to wait. */
export const RETRY_AFTER_HEADER = "Retry-After";

/**
 * [assumed] Machine-readable `reason` of a 409 body. The pages document one 409 for two
 * causes ("blocked by dependencies or already started"); the reason tells them apart.
 */
export const CONFLICT_REASONS = {
  blockedByDependencies: "blocked_by_dependencies",
  alreadyStarted: "already_started",
  hasDependents: "has_dependents",
} as const;
export type ConflictReason = (typeof CONFLICT_REASONS)[keyof typeof CONFLICT_REASONS];

/** [assumed] Page size of `GET /v1/tasks` when `limit` is not given, and its maximum. */
export const LIST_DEFAULT_LIMIT = 50;
export const LIST_MAX_LIMIT = 500;
