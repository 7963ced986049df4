/**
 * The `pulumi-acp` command's progress: one line per resource the engine changes (or would
 * change, in a preview), with its time, and every warning and error the engine reports, from
 * the Automation API's engine events. Colour only on a terminal.
 */
import type { EngineEvent, OpType, StepEventMetadata } from "@pulumi/pulumi/automation";

/** What each operation is called in a finished line and in a preview's plan. */
const OPS: Partial<Record<OpType, { symbol: string; done: string; planned: string }>> = {
  create: { symbol: "+", done: "created", planned: "create" },
  update: { symbol: "~", done: "updated", planned: "update" },
  delete: { symbol: "-", done: "deleted", planned: "delete" },
  replace: { symbol: "+-", done: "replaced", planned: "replace" },
  "create-replacement": {
    symbol: "++",
    done: "created replacement",
    planned: "create replacement",
  },
  "delete-replaced": { symbol: "--", done: "deleted original", planned: "delete original" },
  read: { symbol: ">", done: "read", planned: "read" },
  import: { symbol: "=", done: "imported", planned: "import" },
  refresh: { symbol: "~", done: "refreshed", planned: "refresh" },
  "discard-replaced": { symbol: "-", done: "discarded", planned: "discard" },
  "remove-pending-replace": { symbol: "-", done: "removed", planned: "remove" },
};

/**
 * Resource types whose delete only forgets: the API has no route that deletes them, so the
 * object stays on the server.
 */
const FORGOTTEN_ON_DELETE: ReadonlySet<string> = new Set(["acp:AgentRun"]);

const COLOURS: Record<string, string> = {
  "+": "32",
  "-": "31",
  "~": "33",
  error: "31",
  warning: "33",
};

/** `pulumi-nodejs:dynamic/acp:Task` → `acp:Task`; `acp:index:TaskGraph` → `acp:TaskGraph`. */
export function shortType(type: string): string {
  return type.replace(/^pulumi-nodejs:dynamic\//, "").replace(/^acp:index:/, "acp:");
}

/** The resource's own name: the last segment of its URN. */
export function urnName(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

/**
 * How long a line may wait to be written together with the lines after it. Lines come one per
 * resource, hundreds a second in a large operation: one write each was a tenth of the command's
 * own CPU time in a destroy of 500 tasks (BENCHMARKS.md).
 */
export const BATCH_MS = 100;

/**
 * Renders engine events as progress lines. `planning`: a preview (nothing is changed). Lines are
 * written in batches, at most {@link BATCH_MS} after they are made; call {@link flush} when the
 * operation ends, before writing anything else to the same stream.
 */
export class Progress {
  private readonly started = new Map<string, number>();
  /** Lines written, for callers that summarise. */
  linesWritten = 0;
  private pending: string[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly opts: { planning: boolean; colour: boolean },
  ) {}

  /** Feed every engine event here (the Automation API's `onEvent`). */
  onEvent(event: EngineEvent): void {
    const pre = event.resourcePreEvent?.metadata;
    if (pre) {
      this.started.set(pre.urn, event.timestamp);
      if (this.opts.planning) this.step(pre, undefined);
      return;
    }
    const done = event.resOutputsEvent?.metadata;
    if (done && !this.opts.planning) {
      const since = this.started.get(done.urn);
      this.step(done, since === undefined ? undefined : event.timestamp - since);
      return;
    }
    const failed = event.resOpFailedEvent?.metadata;
    if (failed) {
      this.write(
        `  ${this.paint("!", "error")} ${shortType(failed.type)} ${urnName(failed.urn)} failed`,
      );
      return;
    }
    const diag = event.diagnosticEvent;
    if (
      diag &&
      (diag.severity === "error" || diag.severity === "warning" || diag.severity === "info")
    ) {
      const message = diag.message.trim();
      if (message === "" || /^(update|preview|destroy|refresh) failed$/.test(message)) return;
      const where = diag.urn ? `${urnName(diag.urn)}: ` : "";
      // An ephemeral info message is a resource's progress while it works (e.g. an async agent
      // run's status), not something to keep: "…" marks it as such.
      const label =
        diag.severity === "info"
          ? diag.ephemeral
            ? "…"
            : "info:"
          : `${this.paint(diag.severity, diag.severity)}:`;
      for (const line of message.split("\n")) this.write(`  ${label} ${where}${line}`);
    }
  }

  private step(meta: StepEventMetadata, seconds: number | undefined): void {
    if (meta.type === "pulumi:pulumi:Stack" || meta.type.startsWith("pulumi:providers:")) return;
    const op = OPS[meta.op];
    if (!op) return; // `same`: nothing to say
    const forgets =
      FORGOTTEN_ON_DELETE.has(shortType(meta.type)) &&
      (meta.op === "delete" || meta.op === "delete-replaced");
    // A record the command moves to the other design of the tasks (./design-move.ts).
    const retained =
      (meta.op === "delete" || meta.op === "delete-replaced") && meta.old?.retainOnDelete === true;
    const what = forgets
      ? `${this.opts.planning ? "would forget" : "forgotten"} (the API cannot delete a run: it stays on its server)`
      : retained
        ? `${this.opts.planning ? "would leave" : "left"} the state (its task stays on the API)`
        : this.opts.planning
          ? `would ${op.planned}`
          : op.done;
    const fields = meta.diffs && meta.diffs.length > 0 ? ` [${meta.diffs.join(", ")}]` : "";
    const time = seconds === undefined ? "" : ` (${seconds}s)`;
    const id = !this.opts.planning && meta.new?.id ? ` ${meta.new.id}` : "";
    this.write(
      `  ${this.paint(op.symbol, op.symbol[0])} ${shortType(meta.type)} ${urnName(meta.urn)}${id} ${what}${fields}${time}`,
    );
  }

  private paint(text: string, kind: string): string {
    const code = COLOURS[kind];
    return this.opts.colour && code ? `\u001b[${code}m${text}\u001b[0m` : text;
  }

  private write(line: string): void {
    this.linesWritten++;
    this.pending.push(line);
    this.timer ??= setTimeout(() => this.flush(), BATCH_MS).unref();
  }

  /** Writes the lines made so far. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const text = `${this.pending.join("\n")}\n`;
    this.pending = [];
    this.out.write(text);
  }
}
