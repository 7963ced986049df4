/** How the providers turn validation results and API errors into messages a user can act on. */
import type { z } from "zod";
import {
  AuthenticationError,
  InsufficientBudgetError,
  NotFoundError,
  ValidationError,
} from "../client";
import type { CheckFailure } from "./types";

/** Turns zod issues into the engine's per-property check failures. */
export function checkFailures(result: z.ZodSafeParseResult<unknown>): CheckFailure[] {
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      return {
        property: issue.keys[0] ?? "",
        reason: `is not a property of this resource (unknown: ${issue.keys.join(", ")}); check the spelling`,
      };
    }
    const property = issue.path.map(String).join(".") || "(inputs)";
    return { property, reason: issue.message };
  });
}

/**
 * Adds what the provider was doing, and what to do next, to an error from the client. The
 * client's messages already name the route, the status and the field; they never hold the token.
 */
export function describeError(err: unknown, doing: string): Error {
  if (!(err instanceof Error)) return new Error(`${doing}: ${String(err)}`);
  let hint = "";
  if (AuthenticationError.isInstance(err)) {
    hint = " (check the token: stack config acp:token or ACP_API_TOKEN)";
  } else if (InsufficientBudgetError.isInstance(err)) {
    const budget = (err as InsufficientBudgetError).currentBudget;
    hint = ` (the account's budget is too low${budget !== undefined && budget !== null ? `: current budget ${budget}` : ""}; add budget, then run pulumi up again)`;
  } else if (NotFoundError.isInstance(err)) {
    const { method, path } = err as NotFoundError;
    // A create on a collection route names no object that could be gone: the route is missing.
    hint =
      method === "POST" && /^\/v1\/[a-z-]+$/.test(path ?? "")
        ? " (the API has no such route: check acp:baseUrl / ACP_BASE_URL, the API's root without /v1)"
        : " (it may have been deleted outside Pulumi: run pulumi refresh)";
  } else if (ValidationError.isInstance(err)) {
    const field = (err as ValidationError).field;
    hint = field ? ` (field: ${field})` : "";
  }
  const wrapped = new Error(`${doing}: ${err.message}${hint}`);
  (wrapped as Error & { cause?: unknown }).cause = err;
  return wrapped;
}
