/**
 * A Sprint's check: every task validated as a Task's inputs are (each failure named
 * `tasks["key"].field`), the graph with the messages of a TaskGraph and a sprint file, and
 * `exclusive`'s one sprint.
 */
import { graphIssues } from "../../components/graph";
import { containsUnknown, UNKNOWN, withoutUnknowns } from "../compare";
import { checkFailures } from "../errors";
import { reservedMetadataFailures } from "../run-tag";
import { TaskProviderImpl } from "../task/provider";
import type { CheckFailure, CheckResult } from "../types";
import { declaredTasks, SprintInputs } from "./inputs";
import { taskPath } from "./plan";

const taskCore = new TaskProviderImpl();

/** A failure's property under a task: `tasks["build"].title`. */
function underTask(key: string, property: string): string {
  const [first, ...rest] = property.split(".");
  return taskPath(key, [first, ...rest].filter(Boolean).join(".") || undefined);
}

/** The failures of one task, by the Task's own check, and of its ignoreChanges. */
async function taskFailures(key: string, task: Record<string, unknown>): Promise<CheckFailure[]> {
  const { dependsOn: _d, ignoreChanges: _i, dependencyIds, ...asTask } = task;
  const { failures } = await taskCore.check({}, asTask);
  const found = failures.map((f) => ({ property: underTask(key, f.property), reason: f.reason }));
  if (dependencyIds !== undefined) {
    found.push({
      property: taskPath(key, "dependencyIds"),
      reason: "is not a property of a Sprint's task: name its dependencies by key in dependsOn",
    });
  }
  return found;
}

/** The inputs' shape: zod's failures, with task paths written as `tasks["key"].field`. */
function shapeFailures(news: Record<string, unknown>): CheckFailure[] {
  const known = withoutUnknowns(news);
  if (typeof known.tasks === "object" && known.tasks !== null) {
    // Each task's fields are checked by the Task's check (below): here only the Sprint's own.
    known.tasks = Object.fromEntries(
      Object.entries(known.tasks).map(([k, t]) => [k, { title: "t", ...pickSprintOwn(t) }]),
    );
  }
  return checkFailures(SprintInputs.safeParse(known)).map((f) => {
    const m = /^tasks\.([^.]+)(?:\.(.*))?$/.exec(f.property);
    return m ? { ...f, property: underTask(m[1], m[2] ?? "") } : f;
  });
}

function pickSprintOwn(task: unknown): Record<string, unknown> {
  if (task === null || typeof task !== "object") return {};
  const { dependsOn, ignoreChanges } = task as Record<string, unknown>;
  return withoutUnknowns({ dependsOn, ignoreChanges });
}

/** Validates a Sprint's inputs. */
export async function checkSprint(news: Record<string, unknown>): Promise<CheckResult> {
  const failures = shapeFailures(news);
  if (news.tasks === UNKNOWN || typeof news.tasks !== "object" || news.tasks === null) {
    return { inputs: news, failures };
  }
  const tasks = news.tasks as Record<string, unknown>;
  for (const [key, task] of Object.entries(tasks)) {
    if (task !== null && typeof task === "object") {
      failures.push(...(await taskFailures(key, task as Record<string, unknown>)));
    }
  }
  if (news.defaults !== null && typeof news.defaults === "object") {
    failures.push(
      ...reservedMetadataFailures((news.defaults as Record<string, unknown>).metadata).map((f) => ({
        property: `defaults.${f.property}`,
        reason: f.reason,
      })),
    );
  }
  const nodes = Object.fromEntries(
    declaredTasks(news).map((t) => [
      t.key,
      { dependsOn: t.dependsOn.filter((d) => d !== UNKNOWN) },
    ]),
  );
  for (const issue of graphIssues(nodes)) {
    failures.push({
      property: taskPath(issue.key, "dependsOn"),
      reason: `${issue.message} (in tasks[${JSON.stringify(issue.key)}].dependsOn)`,
    });
  }
  failures.push(...exclusiveFailures(news));
  return { inputs: news, failures };
}

/** `exclusive` needs one sprintId shared by every task, to list the sprint's tasks by. */
function exclusiveFailures(news: Record<string, unknown>): CheckFailure[] {
  if (news.exclusive !== true) return [];
  const sprints = new Set(declaredTasks(news).map((t) => t.values.sprintId));
  if (sprints.size === 1 && typeof [...sprints][0] === "string") return [];
  if ([...sprints].some((s) => containsUnknown(s))) return [];
  const named = [...sprints].map((s) => (s === undefined ? "none" : JSON.stringify(s)));
  return [
    {
      property: "exclusive",
      reason: `needs every task in one sprint (found ${named.join(", ")}): set defaults.sprintId, or set exclusive to false`,
    },
  ];
}
