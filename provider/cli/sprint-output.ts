/** What a sprint command prints after the engine is done, and what it adds to a CI job's summary. */
import * as fs from "node:fs";
import type { SprintFile } from "../components";
import type { SprintOptions } from "./args";
import { blank, type CommandIo } from "./command-io";

/**
 * The tasks (in the sprint file's order) with their ids and threads, the sprint's own threads
 * and runs, and the Mermaid graph.
 */
export function writeSprintOutputs(
  say: (text?: string) => void,
  outputs: Record<string, { value: unknown }>,
  sprint: SprintFile | undefined,
): void {
  const taskIds = (outputs.taskIds?.value ?? {}) as Record<string, string>;
  const threadIds = (outputs.threadIds?.value ?? {}) as Record<string, string>;
  const keys = Object.keys(sprint?.tasks ?? taskIds).filter((k) => taskIds[k]);
  say();
  say(`Tasks (${keys.length}):`);
  const width = Math.max(0, ...keys.map((k) => k.length));
  for (const key of keys) {
    const thread = threadIds[key] ? `  (thread ${threadIds[key]})` : "";
    say(`  ${key.padEnd(width)}  ${taskIds[key]}${thread}`);
  }
  for (const [label, output] of [
    ["Threads", "projectThreadIds"],
    ["Runs", "runIds"],
  ] as const) {
    const ids = (outputs[output]?.value ?? {}) as Record<string, string>;
    const named = Object.keys(ids);
    if (named.length === 0) continue;
    say();
    say(`${label} (${named.length}):`);
    const pad = Math.max(0, ...named.map((k) => k.length));
    for (const key of named) say(`  ${key.padEnd(pad)}  ${ids[key]}`);
  }
  say();
  say(`Mermaid graph:\n\`\`\`mermaid\n${(outputs.mermaid?.value as string) ?? ""}\n\`\`\``);
}

/** In a GitHub Actions job, the change summary and the graph go to the job's summary page. */
export function appendStepSummary(
  io: CommandIo,
  opts: SprintOptions,
  summary: string,
  mermaid?: string,
) {
  const file = io.env.GITHUB_STEP_SUMMARY;
  if (blank(file)) return;
  fs.appendFileSync(
    file!,
    `### Sprint ${opts.command} (${opts.stack})\n\n${summary}\n\n` +
      (mermaid ? `\`\`\`mermaid\n${mermaid}\n\`\`\`\n` : ""),
  );
}
