/**
 * The wording of a sprint file's problems: field paths, values, and the reason of each zod
 * issue, with the closest allowed property or value where one is close.
 */
import type { z } from "zod";
import { closeMatches } from "./graph";

/** A field path as a sprint file's problem lines name it: `tasks.api.priority`. */
export function formatPath(p: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const seg of p) {
    const s = String(seg);
    if (typeof seg === "number") out += `[${s}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out || "(top level)";
}

/** What kind of value `v` is, in words. */
export function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  return typeof v;
}

function shown(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * Why one zod issue fails, as the reasons a sprint file's problem lines give: `allowed` lists
 * the properties where the issue is (for did-you-mean), `hint` the value a bad enum value most
 * likely meant.
 */
export function issueReason(
  issue: z.core.$ZodIssue,
  allowed: string[],
  hint: (path: ReadonlyArray<PropertyKey>, input: unknown) => string[] = () => [],
): string[] {
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case "invalid_value": {
      const values = issue.values.map((v) => String(v));
      const close = hint(issue.path, input);
      return [
        `expected one of ${values.join("|")}, got ${shown(input)}` +
          (close.length > 0 ? ` (did you mean "${close[0]}"?)` : ""),
      ];
    }
    case "invalid_type":
      return [
        input === undefined
          ? "is required"
          : `expected ${issue.expected}, got ${typeName(input)} ${shown(input)}`,
      ];
    case "unrecognized_keys": {
      return issue.keys.map((k) => {
        const close = closeMatches(k, allowed, 1);
        return (
          `unknown property "${k}"` +
          (close.length > 0
            ? ` (did you mean "${close[0]}"?)`
            : allowed.length > 0
              ? ` (allowed: ${allowed.join(", ")})`
              : "")
        );
      });
    }
    default:
      // The value is worth echoing only when it is short: a string, number or boolean.
      return [
        input === undefined || (typeof input === "object" && input !== null)
          ? issue.message
          : `${issue.message}, got ${shown(input)}`,
      ];
  }
}
