/**
 * Runs the doctor's checks: the route checks (one per route of ROUTES) and the rule checks, stage
 * by stage, into one row each.
 */
import { randomUUID } from "node:crypto";
import { ROUTES, type RouteName } from "../../client";
import { InterruptedError, UnreachableError, type ApiSession } from "./http";
import { type ScratchArea } from "./scratch";
import {
  type CheckRow,
  type Verdict,
  CannotTell,
  STAGES,
  type CheckContext,
  type TaskRole,
  type RouteCheck,
  seen,
  routeLabel,
  judgeRoute,
  objectIn,
  idIn,
  post,
  PROBE_METADATA,
} from "./kit";
import { ROUTE_CHECKS } from "./route-checks";
import { RULE_CHECKS } from "./rule-checks";

export { ROUTE_CHECKS, RULE_CHECKS };
export { routeLabel, shapeOf, type CheckRow, type CheckResult, type CheckContext } from "./kit";

/** Median of the answers' times, in ms. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? sorted[mid]
    : Math.round(((sorted[mid - 1] + sorted[mid]) / 2) * 10) / 10;
}

/** Every check, route checks first (in ROUTES order), then the rules: the rows of a report. */
export function checkCatalogue(): Omit<CheckRow, "result" | "evidence">[] {
  const routes = (Object.keys(ROUTES) as RouteName[]).map((name) => ({
    id: name,
    check: routeLabel(name),
    source: ROUTES[name].source,
    whenDiffers: ROUTE_CHECKS[name].whenDiffers,
    fallback: ROUTE_CHECKS[name].fallback,
  }));
  const rules = RULE_CHECKS.map(({ id, check, source, whenDiffers, fallback }) => ({
    id,
    check,
    source,
    whenDiffers,
    fallback,
  }));
  return [...routes, ...rules];
}

/** Runs one check, turning what it throws into a verdict. Interrupts go on up. */
async function verdictOf(run: () => Promise<Verdict>): Promise<Verdict> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof InterruptedError) throw error;
    if (error instanceof CannotTell || error instanceof UnreachableError) {
      return { result: "cannot tell", evidence: error.message };
    }
    return { result: "cannot tell", evidence: `the check failed: ${(error as Error).message}` };
  }
}

/**
 * Runs every check, stage by stage (route checks before the stage's rules), and returns one row
 * per check of {@link checkCatalogue}. A check that needs a write is skipped by --read-only, one
 * that costs budget always; when interrupted, the checks not yet run say so.
 */
export async function runChecks(
  ctx: CheckContext,
): Promise<{ rows: CheckRow[]; interrupted: boolean }> {
  const verdicts = new Map<string, Verdict>();
  let interrupted = false;
  const skipReason = (writes: boolean, costs?: string): string | undefined =>
    costs
      ? `not run: ${costs}`
      : writes && ctx.readOnly
        ? "not run: writes (--read-only)"
        : undefined;
  try {
    for (const stage of STAGES) {
      for (const name of Object.keys(ROUTES) as RouteName[]) {
        const check: RouteCheck = ROUTE_CHECKS[name];
        if (check.stage !== stage) continue;
        const skip = skipReason(check.writes, check.costs);
        if (skip || !check.probe) {
          verdicts.set(name, { result: "skipped", evidence: skip ?? "not run" });
          continue;
        }
        const probe = check.probe;
        verdicts.set(
          name,
          await verdictOf(async () => {
            const outcome = await probe(ctx);
            return "route" in outcome ? judgeRoute(name, outcome) : outcome;
          }),
        );
      }
      for (const rule of RULE_CHECKS) {
        if (rule.stage !== stage) continue;
        const skip = skipReason(rule.writes);
        verdicts.set(
          rule.id,
          skip ? { result: "skipped", evidence: skip } : await verdictOf(() => rule.run(ctx)),
        );
      }
    }
  } catch (error) {
    if (!(error instanceof InterruptedError)) throw error;
    interrupted = true;
  }
  const rows = checkCatalogue().map((row): CheckRow => {
    const verdict = verdicts.get(row.id) ?? {
      result: "cannot tell" as const,
      evidence: interrupted ? "interrupted before this check" : "not reached",
    };
    // Latency of the API's own answers: not of a 429, nor of the wrong-token check's 401.
    const times = ctx.session.exchanges
      .filter((e) => e.route === row.id && e.status !== 429 && e.status !== 401)
      .map((e) => e.ms);
    return {
      ...row,
      result: verdict.result,
      evidence: verdict.evidence,
      whenDiffers: verdict.whenDiffers ?? row.whenDiffers,
      fallback: verdict.fallback ?? row.fallback,
      ...(times.length > 0 ? { latency: { medianMs: median(times), calls: times.length } } : {}),
    };
  });
  return { rows, interrupted };
}

/** Builds the context the checks share; scratch tasks are made on first need, once. */
export function createCheckContext(
  session: ApiSession,
  scratch: ScratchArea,
  options: { readOnly: boolean; projectId?: string },
): CheckContext {
  const made = new Map<TaskRole, Promise<string>>();
  const project = options.projectId ? { projectId: options.projectId } : {};
  const bodies: Record<TaskRole, () => Promise<Record<string, unknown>>> = {
    anchor: async () => ({
      title: scratch.title("anchor"),
      description: "Made by pulumi-acp doctor to check the API; deleted when it ends.",
      dueAt: "2030-01-01T00:00:00Z",
      metadata: { ...scratch.tag(), ...PROBE_METADATA },
      ...project,
    }),
    dependent: async () => ({
      title: scratch.title("dependent"),
      dependencyIds: [await ctx.task("anchor")],
      metadata: scratch.tag(),
      ...project,
    }),
    ledger: async () => ({ title: scratch.title("ledger"), metadata: scratch.tag(), ...project }),
  };
  const make = async (role: TaskRole): Promise<string> => {
    if (ctx.readOnly) throw new CannotTell("--read-only makes no scratch task");
    const body = await bodies[role]();
    const key = randomUUID();
    const sentAt = Date.now();
    const exchange = await post(ctx, "createTask", { body, key });
    if (role === "anchor") ctx.anchor.exchange = exchange;
    const id = idIn(exchange, "task");
    if (exchange.status !== 201 || !id) {
      throw new CannotTell(`needs a scratch task; POST /v1/tasks answered ${seen(exchange)}`);
    }
    if (role === "anchor") {
      Object.assign(ctx.anchor, { body, key });
      const createdAt = Date.parse(String(objectIn(exchange, "task")?.createdAt));
      if (Number.isFinite(createdAt)) {
        ctx.clock.push({
          sentAt,
          receivedAt: exchange.receivedAt,
          serverTime: createdAt,
          what: "createdAt",
        });
      }
    }
    return id;
  };
  const ctx: CheckContext = {
    session,
    scratch,
    readOnly: options.readOnly,
    projectId: options.projectId,
    anchor: {},
    clock: [],
    task(role) {
      let promise = made.get(role);
      if (!promise) {
        promise = make(role);
        made.set(role, promise);
      }
      return promise;
    },
  };
  return ctx;
}
