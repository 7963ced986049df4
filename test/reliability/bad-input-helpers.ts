/**
 * Running an operation that must fail and reading what the engine attributes to one resource:
 * the error diagnostics whose URN names it, so a test checks that the message names the
 * resource, and the field or cause, in words a user can act on.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";
import type { Harness } from "../e2e/harness";

/** What a failed operation reported. */
export interface Failure {
  /** The error diagnostics of the named resource, joined. */
  resourceErrors: string;
  /** Every error diagnostic of the operation, with the URN it names. */
  allErrors: string;
  /** The Automation API's error message (the CLI's output). */
  message: string;
}

/** The error text the engine attributes to resources named `name` in `events`. */
export function errorsOf(events: EngineEvent[], name?: string): string {
  return events
    .map((e) => e.diagnosticEvent)
    .filter((d) => d && d.severity === "error")
    .filter((d) => name === undefined || (d!.urn ?? "").endsWith(`::${name}`))
    .map((d) => `${d!.urn ?? ""}: ${d!.message}`)
    .join("\n");
}

/** Runs preview or up, which must fail, and returns what it reported about `name`. */
export async function failing(h: Harness, op: "preview" | "up", name: string): Promise<Failure> {
  const events: EngineEvent[] = [];
  const onEvent = (e: EngineEvent) => events.push(e);
  let message = "";
  try {
    if (op === "preview") await h.stack.preview({ onEvent });
    else await h.stack.up({ onEvent });
  } catch (err) {
    message = (err as Error).message;
  }
  if (message === "") throw new Error(`${op} succeeded, but it should have failed for ${name}`);
  return { resourceErrors: errorsOf(events, name), allErrors: errorsOf(events), message };
}
