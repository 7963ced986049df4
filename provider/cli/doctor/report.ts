import { EXIT } from "../args";
import type { CheckRow } from "./checks";

/** The exit code for these rows: 1 beats 4 beats 0; skipped rows do not count. */
export function exitCodeOf(rows: readonly CheckRow[]): number {
  if (rows.some((r) => r.result === "cannot tell" || (r.result === "differs" && !r.fallback))) {
    return EXIT.failure;
  }
  return rows.some((r) => r.result === "differs") ? EXIT.fallback : EXIT.ok;
}

const COLOURS = { green: 32, red: 31, yellow: 33, dim: 2 } as const;

function paint(text: string, colour: keyof typeof COLOURS, enabled: boolean): string {
  return enabled ? `\u001b[${COLOURS[colour]}m${text}\u001b[0m` : text;
}

function resultColour(row: CheckRow): keyof typeof COLOURS {
  if (row.result === "holds") return "green";
  if (row.result === "skipped") return "dim";
  return row.result === "differs" && row.fallback ? "yellow" : "red";
}

function latencyText(row: CheckRow): string {
  return row.latency ? row.latency.medianMs.toFixed(1) : "";
}

/**
 * The report as a table: one row per check, and under each row that does not hold, what
 * pulumi-acp does about it. Colour only when `colour` (a terminal that wants it).
 */
export function renderTable(rows: readonly CheckRow[], exitCode: number, colour: boolean): string {
  const header = ["CHECK", "SOURCE", "RESULT", "MS", "EVIDENCE"];
  const cells = rows.map((r) => [r.check, r.source, r.result, latencyText(r), r.evidence]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (values: string[], row?: CheckRow): string =>
    values
      .map((v, i) => {
        if (i === values.length - 1) return v;
        // MS is a number: right-aligned.
        const padded = i === 3 ? v.padStart(widths[i]) : v.padEnd(widths[i]);
        return i === 2 && row ? paint(padded, resultColour(row), colour) : padded;
      })
      .join("  ")
      .trimEnd();
  const out = [line(header)];
  rows.forEach((row, i) => {
    out.push(line(cells[i], row));
    if (row.result === "differs" || row.result === "cannot tell") {
      out.push(`    → pulumi-acp: ${row.whenDiffers}${row.fallback ? "" : " (no fallback)"}`);
    }
  });
  const count = (result: CheckRow["result"]) => rows.filter((r) => r.result === result).length;
  const fallbacks = rows.filter((r) => r.result === "differs" && r.fallback).length;
  const parts = [`${count("holds")} hold`];
  if (count("differs") > 0) {
    parts.push(`${count("differs")} differ (${fallbacks} with a fallback)`);
  }
  if (count("cannot tell") > 0) parts.push(`${count("cannot tell")} cannot tell`);
  if (count("skipped") > 0) parts.push(`${count("skipped")} skipped`);
  out.push("", `${parts.join(", ")}. Exit ${exitCode}.`);
  return `${out.join("\n")}\n`;
}

/** The report as JSON, for a CI job. */
export function renderJson(report: {
  baseUrl: string;
  projectId?: string;
  readOnly: boolean;
  runId: string;
  exitCode: number;
  interrupted: boolean;
  rows: readonly CheckRow[];
  cleanup: { tasksDeleted: number; threadsDeleted: number; left: string[] };
  leftovers: { tasksDeleted: number; threadsDeleted: number; left: string[] };
}): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
