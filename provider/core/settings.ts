/**
 * Connection settings of the provider core, read inside the provider process: provider config
 * first (`acp:baseUrl`, `acp:token`, ...), then the client's own environment variables. Both
 * front doors hand their config over through {@link configureProvider}, so credentials reach the
 * core one way. Nothing read here is ever written to the state.
 */
import { AcpClient, type ClientOptions } from "../client";

/** Provider config keys, in the `acp` namespace (stack config, or a provider resource's args). */
export const CONFIG_KEYS = {
  baseUrl: "acp:baseUrl",
  token: "acp:token",
  timeoutMs: "acp:timeoutMs",
  maxRetries: "acp:maxRetries",
  allowInsecureHttp: "acp:allowInsecureHttp",
} as const;

/** A provider config setting by its key, as text; undefined when it is not set. */
export type ConfigLookup = (key: (typeof CONFIG_KEYS)[keyof typeof CONFIG_KEYS]) => unknown;

let options: ClientOptions = {};
let client: AcpClient | undefined;

function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const s = String(value);
  return s.trim() === "" ? undefined : s;
}

function numberOrUndefined(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Records the provider config, whichever front door it came through. Values may be text (stack
 * config) or typed (a provider resource's args); an empty value counts as unset.
 */
export function configureProvider(lookup: ConfigLookup): void {
  const get = (key: (typeof CONFIG_KEYS)[keyof typeof CONFIG_KEYS]) => text(lookup(key));
  const insecure = get(CONFIG_KEYS.allowInsecureHttp);
  const next: ClientOptions = {
    baseUrl: get(CONFIG_KEYS.baseUrl),
    token: get(CONFIG_KEYS.token),
    timeoutMs: numberOrUndefined(get(CONFIG_KEYS.timeoutMs)),
    maxRetries: numberOrUndefined(get(CONFIG_KEYS.maxRetries)),
    allowInsecureHttp: insecure === undefined ? undefined : insecure === "true" || insecure === "1",
  };
  // The engine configures each provider kind of a process in turn, with the same config: keep
  // the client (and its pool, and the requests it has in flight) when nothing changed.
  if (sameOptions(options, next)) return;
  options = next;
  // A client built with other settings may still have requests in flight: it is left to finish
  // them, and its idle connections close by themselves.
  client = undefined;
}

/**
 * The dynamic door's way in: the stack config that the engine hands to a dynamic provider's
 * `configure` (secrets decrypted; keys such as `acp:token`).
 */
export function configureFromStack(req: {
  config: { get(key: string): string | undefined };
}): void {
  configureProvider((key) => req.config.get(key));
}

function sameOptions(a: ClientOptions, b: ClientOptions): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof ClientOptions>;
  for (const key of keys) if (a[key] !== b[key]) return false;
  return true;
}

/** The provider process's one client (one keep-alive pool shared by every resource). */
export function acpClient(): AcpClient {
  client ??= new AcpClient(options);
  return client;
}
