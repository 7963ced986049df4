/**
 * Figures the reliability suites measure (faults injected, runs needed, duplicates, leaks,
 * bad inputs), written to test/e2e/.work/reliability-figures/<suite>.json for RELIABILITY.md
 * and printed, so a run of `npm test` shows them. One file per suite: suites run in parallel.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../../provider/cli/engine";

/** Where the figures go, one JSON file per suite. */
export const FIGURES_DIR = path.join(REPO_ROOT, "test", "e2e", ".work", "reliability-figures");

/** Records the figures of one suite under `name` (replacing those of an earlier run). */
export function recordFigures(name: string, figures: Record<string, unknown>): void {
  fs.mkdirSync(FIGURES_DIR, { recursive: true });
  const record = { ...figures, recordedAt: new Date().toISOString() };
  fs.writeFileSync(path.join(FIGURES_DIR, `${name}.json`), `${JSON.stringify(record, null, 2)}\n`);
  process.stderr.write(`reliability figures [${name}]: ${JSON.stringify(figures)}\n`);
}
