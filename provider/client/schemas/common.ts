import { z } from "zod";

/**
 * Free-form metadata object, as the API documents it. Values are arbitrary JSON.
 */
export const Metadata = z.record(z.string(), z.unknown());
export type Metadata = z.infer<typeof Metadata>;

/**
 * An ISO 8601 timestamp as sent to the API: a date-time with a `Z` or numeric offset
 * (`2026-11-23T09:00:00Z`), or a calendar date (`2026-11-23`).
 */
export const IsoTimestamp = z.union([z.iso.datetime({ offset: true }), z.iso.date()], {
  error:
    "must be an ISO 8601 date-time with a time zone (2026-11-23T09:00:00Z) or a date (2026-11-23)",
});

/**
 * A field in an API response. Every response field in the reference pages is optional
 * ("Required: No"), and a real server may send null for an absent value: both are accepted.
 */
export function responseField<T extends z.ZodType>(schema: T) {
  return schema.nullish();
}

/** A non-empty identifier sent in a path or body. */
export const Id = z
  .string()
  .refine((s) => s.trim().length > 0, { error: "must be a non-empty id" });

/**
 * Non-blank text. Validated, never transformed: what is sent is what the program declared, so
 * the server's copy compares equal to it.
 */
export const NonBlank = z
  .string()
  .refine((s) => s.trim().length > 0, { error: "must not be empty or blank" });
