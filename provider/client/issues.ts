import type { z } from "zod";

/** One zod issue in words: the dotted field path and what went wrong. */
export interface DescribedIssue {
  field: string | undefined;
  text: string;
}

function show(value: unknown): string {
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/**
 * Turns a zod issue into `field: expected …, got …`. Parse with `{ reportInput: true }` so the
 * received value can be named. Used for both refused parameters and unexpected responses.
 */
export function describeIssue(issue: z.core.$ZodIssue): DescribedIssue {
  const path = issue.path.map(String).join(".");
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case "unrecognized_keys": {
      const key = issue.keys[0];
      const field = path ? `${path}.${key}` : key;
      return { field, text: `${field}: unknown field (not part of the API's request body)` };
    }
    case "invalid_value":
      return {
        field: path || undefined,
        text: `${path || "value"}: expected one of ${issue.values.map(String).join("|")}, got ${show(input)}`,
      };
    case "invalid_type":
      return {
        field: path || undefined,
        text: `${path || "value"}: expected ${issue.expected}, got ${show(input)}`,
      };
    default:
      return { field: path || undefined, text: `${path || "value"}: ${issue.message}` };
  }
}

/** Describes up to `max` issues, joined by "; ". */
export function describeIssues(issues: readonly z.core.$ZodIssue[], max = 5): string {
  const parts = issues.slice(0, max).map((i) => describeIssue(i).text);
  if (issues.length > max) parts.push(`and ${issues.length - max} more`);
  return parts.join("; ");
}
