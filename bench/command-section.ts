/**
 * The bench's command section: `pulumi-acp up|preview|refresh|destroy` against the bare engine (a
 * plain Automation API program on the same stack layout; ./command.ts), per operation, in the
 * default mode and with `--fast`, and the no-op preview against the refresh. Each row kind is a
 * results key `<op>/<door>-<mode>/n<N>/0ms`; a later section adds its rows the same way.
 */
import { COMMAND_OPS, commandLifecycle, type CommandDoor } from "./command";
import type { EmulatorProcess } from "./emulator-process";
import { timed } from "./engine";
import type { GraphNode } from "./graph";

/** The modes compared: a checkpoint after every step, and `--fast` (one at the end). */
export const COMMAND_MODES = ["default", "fast"] as const;

/** One figure in the bench's results (see run.ts). */
interface Figure {
  seconds: { median: number; samples: number[] };
  apiCalls?: number;
}

/** The results key of one door, mode, operation and size. */
export function commandKey(op: string, door: CommandDoor, mode: string, n: number): string {
  return `${op}/${door}-${mode}/n${n}/0ms`;
}

/**
 * Runs the section: per size and repetition, one lifecycle per mode, both doors alternating
 * operation by operation (./command.ts). `measured` times one run with the emulator's counters.
 */
export async function commandSection(opts: {
  emu: EmulatorProcess;
  graphs: GraphNode[][];
  repetitions: number;
  token: string;
  binDir: string;
  /** The modes to run (BENCH_COMMAND_MODES); default both. */
  modes?: readonly string[];
  measured: (key: string, op: () => Promise<unknown>) => Promise<void>;
}): Promise<void> {
  // The bench runs under ts-node, whose source maps make every stack trace costly, and the SDK
  // takes one per promise of each resource (about a quarter of the program's CPU at N = 500).
  // Both doors run here as compiled JavaScript does, the way the installed command runs.
  const mapped = Error.prepareStackTrace;
  delete (Error as { prepareStackTrace?: unknown }).prepareStackTrace;
  try {
    await lifecycles(opts);
  } finally {
    Error.prepareStackTrace = mapped;
  }
}

async function lifecycles(opts: Parameters<typeof commandSection>[0]): Promise<void> {
  for (const graph of opts.graphs) {
    for (let rep = 0; rep < opts.repetitions; rep++) {
      // The modes alternate by repetition too, so that a change in the machine's load falls on both.
      const chosen = opts.modes ?? COMMAND_MODES;
      const modes = rep % 2 === 0 ? chosen : [...chosen].reverse();
      for (const mode of modes) {
        await opts.emu.resetStore();
        await commandLifecycle({
          emu: opts.emu,
          graph,
          fast: mode === "fast",
          token: opts.token,
          binDir: opts.binDir,
          measure: (door, op, run) =>
            opts.measured(commandKey(op, door, mode, graph.length), () => timed(run)),
        });
      }
    }
  }
}

function fmt(x: number | undefined, digits = 2): string {
  return x === undefined || Number.isNaN(x) ? "–" : x.toFixed(digits);
}

/** The section's tables, as Markdown lines. */
export function commandTable(
  results: Record<string, Figure>,
  sizes: number[],
  parallel: number,
): string[] {
  const m = (op: string, door: CommandDoor, mode: string, n: number) =>
    results[commandKey(op, door, mode, n)]?.seconds.median;
  const ratio = (a?: number, b?: number) => (a !== undefined && b ? fmt(a / b) : "–");
  const lines = [
    "",
    `The \`pulumi-acp\` command against the bare engine (a plain Automation API inline program: select the stack, run the operation; no event stream, no progress), same sprint file, same emulator (0 ms), engine default parallelism (${parallel} here), both in the bench's process (no process start-up in either). Preview: no-op, right after the up. Edit 10%: every tenth task's title changes. Seconds, medians.`,
    "",
    "| Operation | N | bare (s) | command (s) | command/bare | bare --fast (s) | command --fast (s) | command/bare --fast | API calls |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const n of sizes) {
    for (const op of COMMAND_OPS) {
      const [bd, cd, bf, cf] = [
        m(op, "bare", "default", n),
        m(op, "command", "default", n),
        m(op, "bare", "fast", n),
        m(op, "command", "fast", n),
      ];
      if ([bd, cd, bf, cf].every((x) => x === undefined)) continue;
      const calls = (
        results[commandKey(op, "command", "default", n)] ??
        results[commandKey(op, "command", "fast", n)]
      )?.apiCalls;
      lines.push(
        `| ${op === "preview" ? "no-op preview" : op} | ${n} | ${fmt(bd)} | ${fmt(cd)} | ${ratio(cd, bd)} | ${fmt(bf)} | ${fmt(cf)} | ${ratio(cf, bf)} | ${calls ?? "–"} |`,
      );
    }
  }
  lines.push(
    "",
    "| Ratio | N | bare | command | bare --fast | command --fast |",
    "|---|---:|---:|---:|---:|---:|",
  );
  for (const n of sizes) {
    const row = (label: string, a: string, b: string, modes: string[]) =>
      `| ${label} | ${n} | ${(["bare", "command"] as const)
        .flatMap((door) => modes.map((mode) => ({ door, mode })))
        .sort((x, y) => x.mode.localeCompare(y.mode))
        .map(({ door, mode }) => ratio(m(a, door, mode, n), m(b, door, mode, n)))
        .join(" | ")} |`;
    lines.push(row("no-op preview / refresh", "preview", "refresh", ["default", "fast"]));
    const fastDestroy = (door: CommandDoor) =>
      ratio(m("destroy", door, "fast", n), m("destroy", door, "default", n));
    lines.push(
      `| --fast destroy / default destroy | ${n} | ${fastDestroy("bare")} | ${fastDestroy("command")} | | |`,
    );
  }
  return lines;
}
