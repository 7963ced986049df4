/**
 * The one place a secret (the API token) is taken out of text. Every error the client raises
 * passes through {@link redactError} before it leaves `AcpCore.request`, so a server (or a proxy)
 * that echoes the token — in a field of the wrong type, an error body, a header quoted back, a
 * body cut in the middle of the token — cannot put it into a message, a cause, a body,
 * `JSON.stringify(error)` or `util.inspect(error)`.
 */

/** What a redacted secret is replaced with. */
export const REDACTED = "[redacted]";

/**
 * Shortest piece of a secret that is removed on its own: a message that cuts a long value (as
 * `got "…"` previews do) may keep only part of the token, and that part is still secret.
 * Shorter secrets are removed only whole. Long enough that the words of a message are not taken
 * for a piece of a token made of words (`redirect-secret-…` must not eat "redirect").
 */
const MIN_PIECE = 12;

/**
 * The forms in which a secret can come back in text: as it is, JSON-escaped, URL-encoded, and
 * Base64 (standard and URL-safe) at each of the three alignments it can have inside a longer
 * encoded string (`Basic` credentials, a Base64 body, …). For Base64 only the characters that
 * depend on the secret alone are kept.
 */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>([secret]);
  forms.add(JSON.stringify(secret).slice(1, -1));
  forms.add(encodeURIComponent(secret));
  const bytes = Buffer.from(secret, "utf8");
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString("base64");
    const firstGroup = shift === 0 ? 0 : 1;
    const lastGroup = Math.floor((shift + bytes.length - 3) / 3);
    if (lastGroup < firstGroup) continue;
    const core = encoded.slice(firstGroup * 4, (lastGroup + 1) * 4);
    forms.add(core);
    forms.add(core.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  return [...forms].filter((f) => f.length > 0);
}

/** A compiled redactor for a set of secrets: cheap to apply to many strings. */
export interface Redactor {
  (text: string): string;
}

/**
 * Builds the redactor of `secrets` (undefined and empty ones are ignored): every occurrence of a
 * form of a secret, and every piece of one at least {@link MIN_PIECE} long, becomes
 * {@link REDACTED}.
 */
export function redactor(secrets: readonly (string | undefined)[]): Redactor {
  const forms = secrets
    .filter((s): s is string => typeof s === "string" && s.length > 0)
    .flatMap(secretForms);
  const whole = forms.filter((f) => f.length < MIN_PIECE);
  const pieces = new Set<string>();
  for (const form of forms) {
    for (let i = 0; i + MIN_PIECE <= form.length; i++) pieces.add(form.slice(i, i + MIN_PIECE));
  }
  return (text: string): string => {
    if (forms.length === 0 || text.length === 0) return text;
    let out = text;
    for (const w of whole) if (out.includes(w)) out = out.split(w).join(REDACTED);
    if (pieces.size === 0 || out.length < MIN_PIECE) return out;
    // Mark every character covered by a secret's piece, then replace each marked run.
    const covered = new Uint8Array(out.length);
    let any = false;
    for (let i = 0; i + MIN_PIECE <= out.length; i++) {
      if (pieces.has(out.slice(i, i + MIN_PIECE))) {
        covered.fill(1, i, i + MIN_PIECE);
        any = true;
      }
    }
    if (!any) return out;
    let result = "";
    for (let i = 0; i < out.length;) {
      if (!covered[i]) {
        result += out[i++];
        continue;
      }
      while (i < out.length && covered[i]) i++;
      result += REDACTED;
    }
    return result;
  };
}

/** `value` with every string in it redacted: JSON-like data (arrays, plain objects) copied. */
function redactValue(value: unknown, redact: Redactor, seen: WeakSet<object>): unknown {
  if (typeof value === "string") return redact(value);
  if (typeof value !== "object" || value === null) return value;
  if (value instanceof Error) return redactInPlace(value, redact, seen);
  if (seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, redact, seen));
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [redact(k), redactValue(v, redact, seen)]),
  );
}

function redactInPlace<E extends Error>(err: E, redact: Redactor, seen: WeakSet<object>): E {
  if (seen.has(err)) return err;
  seen.add(err);
  const rec = err as unknown as Record<string | symbol, unknown>;
  // message and stack are own properties of an Error; the rest are the subclass's fields
  // (body, path, …), `cause` and an AggregateError's `errors`.
  for (const key of new Set([
    "message",
    "stack",
    "cause",
    "errors",
    ...Object.getOwnPropertyNames(err),
  ])) {
    const descriptor = Object.getOwnPropertyDescriptor(err, key);
    if (!descriptor || !("value" in descriptor)) continue;
    const next = redactValue(descriptor.value, redact, seen);
    if (next === descriptor.value) continue;
    if (descriptor.writable) rec[key] = next;
    else if (descriptor.configurable)
      Object.defineProperty(err, key, { ...descriptor, value: next });
  }
  return err;
}

/**
 * THE choke point: `err` with every form of every secret removed from its message, stack, own
 * fields (an API error's `body`, `path`, …), its `cause` chain and an AggregateError's members,
 * in place (its class, `code` and `isInstance` stay). Anything that is not an Error is returned
 * redacted as data.
 */
export function redactError<T>(err: T, secrets: readonly (string | undefined)[]): T {
  const redact = redactor(secrets);
  return redactValue(err, redact, new WeakSet()) as T;
}
