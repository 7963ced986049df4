/**
 * The core's choke point for secrets: every operation of a kind's implementation raises its
 * errors only after the provider's secrets are taken out of them.
 */
import { redactError } from "../client/redact";
import { providerSecrets } from "./settings";

/**
 * `impl` whose every operation (check, diff, create, read, update, delete), through either front
 * door, raises its errors only after {@link redactError} has taken the provider's secrets out of
 * them — a partial create's `id` and every other field stay — and with a partial create's or
 * update's message as its `reasons`: the engine shows only those of an error that carries an
 * `id` ("resource init failed" otherwise).
 */
export function redacting<T extends object>(impl: T): T {
  return new Proxy(impl, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        try {
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          return result instanceof Promise
            ? result.catch((err: unknown) => {
                throw withReasons(redactError(err, providerSecrets()));
              })
            : result;
        } catch (err) {
          throw withReasons(redactError(err, providerSecrets()));
        }
      };
    },
  });
}

/** A partial create's or update's message as the reasons the engine shows (see redacting). */
function withReasons(err: unknown): unknown {
  const partial = err as { id?: unknown; message?: unknown; reasons?: unknown };
  if (err instanceof Error && partial.id && partial.reasons === undefined) {
    partial.reasons = [err.message];
  }
  return err;
}
