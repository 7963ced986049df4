import { createHash } from "node:crypto";

/** How the emulator's stand-in agent behaves. */
export interface AgentOptions {
  /** Time in ms a synchronous run takes. Default 0. */
  durationMs?: number;
  /** When true, every run fails (`execution.success` false, thread status `failed`). */
  fail?: boolean;
  /** Cost of one run in USD, deducted from the budget. Default 0.05. */
  costPerRun?: number;
}

/** {@link AgentOptions} with every default filled in. */
export type ResolvedAgent = Required<AgentOptions>;

/** Fills the defaults of {@link AgentOptions}. */
export function resolveAgent(options: AgentOptions = {}): ResolvedAgent {
  return {
    durationMs: options.durationMs ?? 0,
    fail: options.fail ?? false,
    costPerRun: options.costPerRun ?? 0.05,
  };
}

/** What one run of the stand-in agent produced. */
export interface AgentResult {
  success: boolean;
  response: string;
  actions: string[];
  inputTokens: number;
  outputTokens: number;
  error?: string;
  /** Titles of the subtasks the agent asks for: one per `- [ ] ` line of the prompt. */
  subtaskTitles: string[];
}

const SUBTASK_LINE = /^\s*- \[ \] (.+)$/;

/**
 * Runs the stand-in agent on a prompt. Deterministic: the same prompt gives the same response,
 * tokens and subtasks; another prompt a different response (it embeds the prompt's sha256).
 */
export function runAgent(prompt: string, agent: ResolvedAgent): AgentResult {
  const hash = createHash("sha256").update(prompt).digest("hex");
  const inputTokens = Math.ceil(prompt.length / 4) + 8;
  if (agent.fail) {
    return {
      success: false,
      response: "",
      actions: [],
      inputTokens,
      outputTokens: 0,
      error: "agent run failed (the emulator's agent is set to fail)",
      subtaskTitles: [],
    };
  }
  const subtaskTitles = prompt
    .split(/\r?\n/)
    .map((line) => SUBTASK_LINE.exec(line)?.[1]?.trim())
    .filter((title): title is string => Boolean(title));
  const firstLine = prompt.split(/\r?\n/, 1)[0]?.slice(0, 80) ?? "";
  const response = `Done: ${firstLine} [${hash.slice(0, 16)}]`;
  return {
    success: true,
    response,
    actions: ["read_prompt", ...subtaskTitles.map((t) => `create_subtask: ${t}`), "respond"],
    inputTokens,
    outputTokens: 16 + (parseInt(hash.slice(0, 4), 16) % 200),
    subtaskTitles,
  };
}
