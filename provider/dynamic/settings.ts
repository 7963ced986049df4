/**
 * Connection settings of the providers, read inside the provider process: stack config
 * first (`acp:baseUrl`, `acp:token`, ...), then the client's own environment variables.
 * Nothing read here is ever written to the state.
 */
import type * as pulumi from "@pulumi/pulumi";
import { AcpClient, CONFIG_KEYS, optionsFromConfig, type ClientOptions } from "../client";

/** Stack config keys the providers read, in the `acp` namespace (the client's settings table). */
export { CONFIG_KEYS };

let options: ClientOptions = {};
let client: AcpClient | undefined;

/**
 * Records the stack config that the engine hands to the provider, parsed by the client's one
 * settings parser (a bad value fails here, naming its key, as the same value in the
 * environment would).
 */
export function configureFromStack(req: pulumi.dynamic.ConfigureRequest): void {
  const next = optionsFromConfig((key) => req.config.get(key));
  // The engine configures each provider kind of a process in turn, with the same stack config:
  // keep the client (and its pool, and the requests it has in flight) when nothing changed.
  if (sameOptions(options, next)) return;
  options = next;
  // A client built with other settings may still have requests in flight: it is left to finish
  // them, and its idle connections close by themselves.
  client = undefined;
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
