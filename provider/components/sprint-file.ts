/**
 * Sprint files: a sprint declared in YAML or JSON, in the shape of {@link TaskGraphArgs}
 * (`defaults` and `tasks` by key, with `dependsOn` and `thread`; `threads` and `runs` by key),
 * validated strictly so that a
 * typo is an error naming the file, the task key and the field, never a silently ignored field.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { parseDocument } from "yaml";
import { NonBlank } from "../client/schemas";
import {
  AgentRunInputs,
  TaskInputs,
  TASK_THREAD_INPUT_FIELDS,
  THREAD_MODES,
  ThreadInputs,
  ThreadSettings,
} from "../core";
import { closeMatches, graphIssues, notATaskOf } from "./graph";
import { formatPath, issueReason, typeName } from "./sprint-file-messages";
import type {
  TaskGraphDefaults,
  TaskGraphProjectThread,
  TaskGraphRun,
  TaskGraphTask,
} from "./task-graph";

/**
 * How a sprint's tasks are declared (a sprint file's `resource`): `task`, one Pulumi resource
 * per task (the default), or `sprint`, one Sprint resource for all of them, which the provider
 * applies in one engine step. Threads, project threads and runs are their own resources in both.
 */
export const SPRINT_DESIGNS = ["task", "sprint"] as const;
/** One of {@link SPRINT_DESIGNS}. */
export type SprintDesign = (typeof SPRINT_DESIGNS)[number];

/** A sprint as read from a file: a TaskGraph's args, plus an optional name and description. */
export interface SprintFile {
  /** Name of the sprint (TaskGraph resource name, if the program uses it). */
  name?: string;
  /** What the sprint is about. */
  description?: string;
  /** How the tasks are declared (default `task`): see {@link SPRINT_DESIGNS}. */
  resource?: SprintDesign;
  /** Task inputs applied to every task that does not set them. */
  defaults?: TaskGraphDefaults;
  /** The tasks by key. */
  tasks: Record<string, TaskGraphTask>;
  /** Threads outside any task (a kickoff thread), by key: a Thread's inputs and `dependsOn`. */
  threads?: Record<string, TaskGraphProjectThread>;
  /** Agent runs (a setup run), by key: an AgentRun's inputs and `dependsOn`. */
  runs?: Record<string, TaskGraphRun>;
}

/** A file (or object) that is not a valid sprint. `problems`: one line each, file and field named. */
export class SprintFileError extends Error {
  /** Stable code, as the client's errors have. */
  readonly code = "sprint_file_invalid";

  constructor(
    /** The file (or source name) the problems are in. */
    readonly source: string,
    /** Every problem found, each `<source>: <field path>: <reason>`. */
    readonly problems: string[],
  ) {
    super(problems.join("\n"));
    this.name = "SprintFileError";
  }

  /** True for a SprintFileError from any copy of this module (`instanceof` is not reliable). */
  static isInstance(err: unknown): err is SprintFileError {
    return (
      typeof err === "object" &&
      err !== null &&
      (err as { code?: unknown }).code === "sprint_file_invalid"
    );
  }
}

/** Task keys: a letter or digit, then letters, digits, `_`, `-` or `.` (they end up in resource names). */
export const TASK_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * The task fields a sprint file defaults: a Task's inputs (the core's, which are the create
 * request's own schema) but the title and the adopted task (each names one task) and
 * dependencyIds (a sprint names dependencies by key, in `dependsOn`).
 */
const taskFields = TaskInputs.omit({
  title: true,
  dependencyIds: true,
  adoptExistingId: true,
}).shape;

let schema: ReturnType<typeof buildSprintSchema> | undefined;

// Built on first use: most programs that load pulumi-acp never read a sprint file.
function sprintSchema() {
  schema ??= buildSprintSchema();
  return schema;
}

function buildSprintSchema() {
  // A sprint's thread says how it is made: its mode is required.
  const Thread = ThreadSettings.extend({ mode: z.enum(THREAD_MODES) });
  const SprintTask = z
    .strictObject({
      title: NonBlank,
      ...taskFields,
      adoptExistingId: TaskInputs.shape.adoptExistingId,
      dependsOn: z.array(z.string()),
      thread: Thread,
    })
    .partial()
    .required({ title: true });
  const Defaults = z.strictObject(taskFields).partial();
  const dependsOn = { dependsOn: z.array(z.string()).optional() };
  return z.strictObject({
    name: NonBlank.optional(),
    description: z.string().optional(),
    resource: z.enum(SPRINT_DESIGNS).optional(),
    defaults: Defaults.optional(),
    tasks: z.record(z.string(), SprintTask).refine((t) => Object.keys(t).length > 0, {
      error: "must declare at least one task",
    }),
    threads: z.record(z.string(), ThreadInputs.extend(dependsOn)).optional(),
    runs: z.record(z.string(), AgentRunInputs.extend(dependsOn)).optional(),
  });
}

const ALLOWED_PROPERTIES: Record<string, string[]> = {
  top: ["name", "description", "resource", "defaults", "tasks", "threads", "runs"],
  projectThread: [...Object.keys(ThreadInputs.shape), "dependsOn"],
  run: [...Object.keys(AgentRunInputs.shape), "dependsOn"],
  task: ["title", ...Object.keys(taskFields), "adoptExistingId", "dependsOn", "thread"],
  defaults: Object.keys(taskFields),
  thread: TASK_THREAD_INPUT_FIELDS.filter((f) => f !== "taskId"),
};

function allowedFor(p: ReadonlyArray<PropertyKey>): string[] {
  if (p.length === 0) return ALLOWED_PROPERTIES.top;
  if (p[0] === "defaults") return ALLOWED_PROPERTIES.defaults;
  if (p[0] === "tasks" && p.length === 2) return ALLOWED_PROPERTIES.task;
  if (p[0] === "tasks" && p[2] === "thread") return ALLOWED_PROPERTIES.thread;
  if (p[0] === "threads" && p.length === 2) return ALLOWED_PROPERTIES.projectThread;
  if (p[0] === "runs" && p.length === 2) return ALLOWED_PROPERTIES.run;
  return [];
}

/** Words a user may write for a design, as the command line says them (`--bulk`, `--per-task`). */
const DESIGN_WORDS: Record<string, SprintDesign> = {
  bulk: "sprint",
  "per-task": "task",
  pertask: "task",
};

/** The design a mistyped `resource` most likely means (a typo there changes every task). */
function designHint(path: ReadonlyArray<PropertyKey>, input: unknown): string[] {
  if (path.length !== 1 || path[0] !== "resource" || typeof input !== "string") return [];
  const word = DESIGN_WORDS[input.trim().toLowerCase()];
  return word ? [word] : closeMatches(input, SPRINT_DESIGNS, 1);
}

/**
 * Validates a parsed sprint (from YAML, JSON or code) and returns it typed. Throws a
 * {@link SprintFileError} listing every problem as `<sourceName>: <field path>: <reason>`
 * (e.g. `sprint.yaml: tasks.api.priority: expected one of low|medium|high|urgent, got "hgh"`),
 * including bad task keys and graph problems (unknown, self and duplicate dependencies, cycles).
 */
export function sprintFromObject(obj: unknown, sourceName: string): SprintFile {
  if (obj === null || obj === undefined || typeof obj !== "object" || Array.isArray(obj)) {
    throw new SprintFileError(sourceName, [
      `${sourceName}: expected an object with "tasks" (and optionally name, description, defaults), got ${obj === undefined || obj === null ? "an empty document" : typeName(obj)}`,
    ]);
  }
  const parsed = sprintSchema().safeParse(obj, { reportInput: true });
  if (!parsed.success) {
    const problems: string[] = [];
    for (const issue of parsed.error.issues) {
      for (const reason of issueReason(issue, allowedFor(issue.path), designHint)) {
        problems.push(`${sourceName}: ${formatPath(issue.path)}: ${reason}`);
      }
    }
    throw new SprintFileError(sourceName, problems);
  }
  const sprint = parsed.data as SprintFile;
  const problems: string[] = [];
  for (const key of Object.keys(sprint.tasks)) {
    if (!TASK_KEY_PATTERN.test(key)) {
      problems.push(
        `${sourceName}: ${formatPath(["tasks", key])}: invalid task key: use letters, digits, "_", "-" or "." (starting with a letter or digit)`,
      );
    }
  }
  const taskKeys = Object.keys(sprint.tasks);
  for (const field of ["threads", "runs"] as const) {
    for (const [key, item] of Object.entries(sprint[field] ?? {})) {
      if (!TASK_KEY_PATTERN.test(key)) {
        problems.push(
          `${sourceName}: ${formatPath([field, key])}: invalid key: use letters, digits, "_", "-" or "." (starting with a letter or digit)`,
        );
      }
      for (const dep of item.dependsOn ?? []) {
        const problem = notATaskOf(dep, taskKeys, "sprint");
        if (problem) {
          problems.push(`${sourceName}: ${formatPath([field, key, "dependsOn"])}: ${problem}`);
        }
      }
    }
  }
  for (const issue of graphIssues(sprint.tasks)) {
    problems.push(
      `${sourceName}: ${formatPath(["tasks", issue.key, "dependsOn"])}: ${issue.message}`,
    );
  }
  if (problems.length > 0) throw new SprintFileError(sourceName, problems);
  return sprint;
}

function lineAndColumn(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, col: before[before.length - 1].length + 1 };
}

/**
 * Parses sprint file text: YAML for `.yaml`/`.yml`, JSON for `.json` (by `sourceName`'s
 * extension). Syntax errors name the line and column. See {@link sprintFromObject}.
 */
export function parseSprintText(text: string, sourceName: string): SprintFile {
  const ext = path.extname(sourceName).toLowerCase();
  let obj: unknown;
  if (ext === ".json") {
    try {
      obj = JSON.parse(text);
    } catch (err) {
      const message = (err as Error).message;
      const pos = /position (\d+)/.exec(message);
      const where = pos ? lineAndColumn(text, Number(pos[1])) : undefined;
      throw new SprintFileError(sourceName, [
        `${sourceName}: ${where ? `line ${where.line}, column ${where.col}: ` : ""}invalid JSON: ${message}`,
      ]);
    }
  } else if (ext === ".yaml" || ext === ".yml") {
    const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) {
      throw new SprintFileError(
        sourceName,
        doc.errors.map((e) => {
          const where = e.linePos?.[0];
          // The library's message repeats the position and quotes the source; keep its first sentence.
          const reason = e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
          return `${sourceName}: ${where ? `line ${where.line}, column ${where.col}: ` : ""}invalid YAML: ${reason}`;
        }),
      );
    }
    try {
      obj = doc.toJS();
    } catch (err) {
      // A document that parses but cannot become data (an alias to no anchor, say).
      throw new SprintFileError(sourceName, [
        `${sourceName}: invalid YAML: ${(err as Error).message.split("\n")[0]}`,
      ]);
    }
  } else {
    throw new SprintFileError(sourceName, [
      `${sourceName}: unsupported sprint file type "${ext || "(none)"}": use .yaml, .yml or .json`,
    ]);
  }
  return sprintFromObject(obj, sourceName);
}

/**
 * Reads and validates a sprint file (`.yaml`, `.yml` or `.json`). Errors name the file as
 * given (relative to the working directory when inside it), the task key, the field and the
 * reason; YAML and JSON syntax errors name the line and column.
 */
export function loadSprintFile(file: string): SprintFile {
  const abs = path.resolve(file);
  const rel = path.relative(process.cwd(), abs);
  const sourceName = rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : abs;
  let text: string;
  try {
    text = fs.readFileSync(abs, "utf8");
  } catch (err) {
    throw new SprintFileError(sourceName, [
      `${sourceName}: cannot read the sprint file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    ]);
  }
  return parseSprintText(text, sourceName);
}
