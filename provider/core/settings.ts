/**
 * Connection settings of the provider core, read inside the provider process: provider config
 * first (`acp:baseUrl`, `acp:token`, ...), then the client's own environment variables. Both
 * front doors hand their config over through {@link configureProvider}, so credentials reach the
 * core one way. Nothing read here is ever written to the state.
 */
import { AcpClient, CONFIG_KEYS, ENV, optionsFromConfig, type ClientOptions } from "../client";

/**
 * Provider config keys, in the `acp` namespace (stack config, or a provider resource's args):
 * the client's settings table.
 */
export { CONFIG_KEYS };

/** A provider config setting by its key, as text; undefined when it is not set. */
export type ConfigLookup = (key: (typeof CONFIG_KEYS)[keyof typeof CONFIG_KEYS]) => unknown;

let options: ClientOptions = {};
let client: AcpClient | undefined;

/**
 * Records the provider config, whichever front door it came through, parsed by the client's
 * one settings parser: values may be text (stack config) or typed (a provider resource's args);
 * an empty value counts as unset; a bad value fails here, naming its key, with the same words
 * as the same value in the environment.
 */
export function configureProvider(lookup: ConfigLookup): void {
  const next = optionsFromConfig((key) => lookup(key as Parameters<ConfigLookup>[0]));
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

/**
 * The secrets this provider process holds: the configured token and the environment's. What
 * the core's choke point takes out of every error it raises.
 */
export function providerSecrets(): string[] {
  return [options.token, process.env[ENV.token]].filter(
    (s): s is string => typeof s === "string" && s !== "",
  );
}
