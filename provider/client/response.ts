/** Parsing of a 2xx answer: JSON, then the route's tolerant response schema. */
import type { z } from "zod";
import { ResponseValidationError } from "./errors";
import { describeIssues } from "./issues";

/** The 2xx body parsed with the tolerant response schema; undefined when there is none. */
export function parseResponse<T>(
  schema: z.ZodType<T> | undefined,
  text: string,
  method: string,
  apiPath: string,
): T {
  if (schema === undefined) return undefined as T;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const preview = text.length > 80 ? `${text.slice(0, 80)}…` : text;
    throw new ResponseValidationError(
      `ACP API ${method} ${apiPath}: expected a JSON body, got ${text === "" ? "an empty body" : JSON.stringify(preview)}`,
    );
  }
  const parsed = schema.safeParse(json, { reportInput: true });
  if (!parsed.success) {
    throw new ResponseValidationError(
      `ACP API ${method} ${apiPath}: unexpected response: ${describeIssues(parsed.error.issues)}`,
    );
  }
  return parsed.data;
}
