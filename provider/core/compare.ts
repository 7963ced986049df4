/** Value helpers shared by the providers' check and diff, and their idempotency keys. */
import { createHash } from "node:crypto";
import { canonicalJson } from "../client/canonical-json";

export { canonicalJson };

/** What the engine sends in place of a value not known until apply (during preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True when a value, or anything inside it, is not known yet. */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === "object") {
    return Object.values(value).some(containsUnknown);
  }
  return false;
}

/**
 * The inputs without the values not known yet (and arrays without their unknown members), so
 * that check validates only what is known.
 */
export function withoutUnknowns(news: Record<string, unknown>): Record<string, unknown> {
  const known: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(news)) {
    if (Array.isArray(value)) known[key] = value.filter((v) => !containsUnknown(v));
    else if (!containsUnknown(value)) known[key] = value;
  }
  return known;
}

/** Deep equality of JSON values (object key order ignored, array order kept). */
export function deepEqual(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** Equality of two id lists as sets: order and repetition ignored. */
export function sameSet(
  a: readonly string[] | null | undefined,
  b: readonly string[] | null | undefined,
): boolean {
  const sa = new Set(a ?? []);
  const sb = new Set(b ?? []);
  if (sa.size !== sb.size) return false;
  for (const x of sa) if (!sb.has(x)) return false;
  return true;
}

/**
 * Equality of two ISO 8601 timestamps as instants, so that a server's normal form
 * (`2026-12-01T00:00:00.000Z`) of a user's `2026-12-01` is not a change.
 */
export function sameInstant(a: string | null | undefined, b: string | null | undefined): boolean {
  if (a === b) return true;
  if (a == null || b == null) return false;
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  return !Number.isNaN(ta) && ta === tb;
}

/** Returns the first value that appears twice in a list, if any. */
export function firstDuplicate(values: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) return v;
    seen.add(v);
  }
  return undefined;
}

/** Drops `undefined` and `null` members, so that an object holds only what is set. */
export function definedOnly<T extends Record<string, unknown>>(obj: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(obj).filter(([, v]) => v !== undefined && v !== null),
  ) as Partial<T>;
}

/**
 * An Idempotency-Key stable for what `parts` name (a resource's key, the request's body): the
 * prefix and the first `hexLength` hex digits of the SHA-256 of the parts joined by NUL.
 */
export function stableKey(prefix: string, hexLength: number, parts: readonly string[]): string {
  const digest = createHash("sha256").update(parts.join("\0")).digest("hex");
  return `${prefix}${digest.slice(0, hexLength)}`;
}
