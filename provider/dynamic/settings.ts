/**
 * Connection settings of the providers, read inside the provider process: stack config
 * first (`acp:baseUrl`, `acp:token`, ...), then the client's own environment variables.
 * Nothing read here is ever written to the state.
 */
import type * as pulumi from "@pulumi/pulumi";
import { AcpClient, type ClientOptions } from "../client";

/** Stack config keys the providers read, in the `acp` namespace. */
export const CONFIG_KEYS = {
  baseUrl: "acp:baseUrl",
  token: "acp:token",
  timeoutMs: "acp:timeoutMs",
  maxRetries: "acp:maxRetries",
  allowInsecureHttp: "acp:allowInsecureHttp",
} as const;

let options: ClientOptions = {};
let client: AcpClient | undefined;

function numberOrUndefined(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** Records the stack config that the engine hands to the provider. */
export function configureFromStack(req: pulumi.dynamic.ConfigureRequest): void {
  const get = (key: string): string | undefined => {
    const v = req.config.get(key);
    return v === undefined || v === "" ? undefined : v;
  };
  const insecure = get(CONFIG_KEYS.allowInsecureHttp);
  const next: ClientOptions = {
    baseUrl: get(CONFIG_KEYS.baseUrl),
    token: get(CONFIG_KEYS.token),
    timeoutMs: numberOrUndefined(get(CONFIG_KEYS.timeoutMs)),
    maxRetries: numberOrUndefined(get(CONFIG_KEYS.maxRetries)),
    allowInsecureHttp: insecure === undefined ? undefined : insecure === "true" || insecure === "1",
  };
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
