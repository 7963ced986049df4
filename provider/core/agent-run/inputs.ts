/** An AgentRun's inputs: the schema check validates them with, and their type after check. */
import { z } from "zod";
import { Id, Metadata, RunMode } from "../../client";
import type { CheckFailure } from "../types";

const nonEmptyPrompt = z
  .string()
  .refine((s) => s.trim() !== "", { error: "must not be empty: say what the agent should do" });

/** An AgentRun's inputs. Strict: a misspelt property is reported. */
export const AgentRunInputs = z.strictObject({
  serverId: z
    .string({ error: "is required: the id of the agent runtime server that executes the run" })
    .pipe(Id),
  prompt: nonEmptyPrompt.optional(),
  content: nonEmptyPrompt.optional(),
  title: z.string().optional(),
  mode: RunMode.optional(),
  metadata: Metadata.optional(),
  waitTimeoutSeconds: z.number().finite().min(0, { error: "must be 0 or more seconds" }).optional(),
  pollIntervalSeconds: z
    .number()
    .finite()
    .positive({ error: "must be more than 0 seconds" })
    .optional(),
  triggers: z.array(z.unknown(), { error: "must be a list (any JSON values)" }).optional(),
});

/** An AgentRun's inputs as the engine hands them over (after check). */
export type AgentRunProviderInputs = z.infer<typeof AgentRunInputs> & {
  /** `<project>/<stack>/<resource name>`: makes the create's idempotency key stable. */
  __acpKey?: string;
};

/**
 * Exactly one of prompt and content: the API's two names for the run's input. Checked apart from
 * the schema, so that it is reported beside the other failures.
 */
export function promptFailures(v: Record<string, unknown>): CheckFailure[] {
  if (v.prompt !== undefined && v.content !== undefined) {
    return [
      {
        property: "content",
        reason:
          "an AgentRun takes prompt or content, not both (they are the API's two names for the run's input): remove one of them",
      },
    ];
  }
  if (v.prompt === undefined && v.content === undefined) {
    return [
      {
        property: "prompt",
        reason: "is required: an AgentRun needs prompt (or content), what the agent should do",
      },
    ];
  }
  return [];
}

/** What check accepts: the inputs and the resource's key (see AgentRunProviderInputs.__acpKey). */
export const AgentRunCheckSchema = AgentRunInputs.extend({ __acpKey: z.string().optional() });
