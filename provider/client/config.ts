import type { Dispatcher } from "undici";
import { ConfigurationError } from "./errors";
import { closeMatches } from "./suggest";

/** Options of {@link AcpClient}. Each is read from the option, then the environment, then the default. */
export interface ClientOptions {
  /**
   * Base URL of the API, e.g. `https://api.example.com` (a path prefix is kept). Env
   * `ACP_BASE_URL`. No default: missing → ConfigurationError naming `acp:baseUrl` / `ACP_BASE_URL`.
   */
  baseUrl?: string;
  /**
   * Bearer token. Env `ACP_API_TOKEN`. Missing → ConfigurationError, thrown at the first
   * request rather than in the constructor, so a client can be built for offline work.
   */
  token?: string;
  /**
   * Per-attempt timeout in ms: the longest wait for the response headers, and between two
   * chunks of the body. Env `ACP_TIMEOUT_MS`. Default 30000.
   */
  timeoutMs?: number;
  /** Retries after the first attempt. Env `ACP_MAX_RETRIES`. Default 4. */
  maxRetries?: number;
  /** Backoff base in ms (first retry waits up to this long). Default 250. */
  retryBaseDelayMs?: number;
  /** Backoff cap in ms. Default 8000. */
  retryMaxDelayMs?: number;
  /**
   * Allow plain `http://` to a non-loopback host. Env `ACP_ALLOW_INSECURE_HTTP` (`1`/`true`).
   * Default false: `http://` is allowed only for 127.0.0.0/8, ::1 and localhost.
   */
  allowInsecureHttp?: boolean;
  /** Max keep-alive connections of the client's own pool. Default 16. */
  connections?: number;
  /** Optional log sink: one line per attempt (method, path, status, ms, attempt). Never receives the token. */
  logger?: (line: string) => void;
  /** For tests: an undici Dispatcher to use instead of the client's own (e.g. MockAgent). Not closed by the client. */
  dispatcher?: Dispatcher;
}

/** Defaults of the numeric options. */
export const DEFAULTS = {
  timeoutMs: 30_000,
  maxRetries: 4,
  retryBaseDelayMs: 250,
  retryMaxDelayMs: 8_000,
  connections: 16,
} as const;

/**
 * Every setting that can come from provider config (stack config `acp:*`, or a provider
 * resource's arguments) or from the environment: one row each, read by one parser, so both
 * sources take the same names, units and words and fail with the same messages.
 */
export const SETTINGS = {
  baseUrl: { configKey: "acp:baseUrl", env: "ACP_BASE_URL", kind: "url" },
  token: { configKey: "acp:token", env: "ACP_API_TOKEN", kind: "secret" },
  timeoutMs: { configKey: "acp:timeoutMs", env: "ACP_TIMEOUT_MS", kind: "milliseconds" },
  maxRetries: { configKey: "acp:maxRetries", env: "ACP_MAX_RETRIES", kind: "count" },
  allowInsecureHttp: {
    configKey: "acp:allowInsecureHttp",
    env: "ACP_ALLOW_INSECURE_HTTP",
    kind: "boolean",
  },
} as const;
/** A setting of {@link SETTINGS}. */
export type SettingName = keyof typeof SETTINGS;
type SettingValues = Pick<ClientOptions, SettingName>;

/** Environment variables read by the client, by setting. */
export const ENV = Object.fromEntries(
  Object.entries(SETTINGS).map(([name, s]) => [name, s.env]),
) as { readonly [K in SettingName]: (typeof SETTINGS)[K]["env"] };

/** Provider config keys (namespace `acp`), by setting. */
export const CONFIG_KEYS = Object.fromEntries(
  Object.entries(SETTINGS).map(([name, s]) => [name, s.configKey]),
) as { readonly [K in SettingName]: (typeof SETTINGS)[K]["configKey"] };

/** Words a boolean setting takes, in either source (case ignored). */
const TRUE_WORDS = ["1", "true", "yes", "on"];
const FALSE_WORDS = ["0", "false", "no", "off"];

/**
 * The one parser of a setting's value from either source. `raw` is text (environment, stack
 * config) or already typed (a provider resource's arguments); blank text is unset. Throws a
 * ConfigurationError that starts with `source` (the variable or config key) and says what was
 * expected.
 */
export function parseSetting<K extends SettingName>(
  name: K,
  raw: unknown,
  source: string,
): SettingValues[K] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === "string" && raw.trim() === "") return undefined;
  const kind = SETTINGS[name].kind;
  const shown = typeof raw === "string" ? JSON.stringify(raw) : String(raw);
  const fail = (expected: string): never => {
    // A token is never quoted back, even when it is the wrong type.
    throw new ConfigurationError(
      `${source}: expected ${expected}, got ${kind === "secret" ? `a ${typeof raw}` : shown}`,
    );
  };
  switch (kind) {
    case "url":
    case "secret":
      if (typeof raw !== "string") return fail("text");
      return raw.trim() as SettingValues[K];
    case "boolean": {
      if (typeof raw === "boolean") return raw as SettingValues[K];
      const word = String(raw).trim().toLowerCase();
      if (TRUE_WORDS.includes(word)) return true as SettingValues[K];
      if (FALSE_WORDS.includes(word)) return false as SettingValues[K];
      return fail(
        `true or false (also ${TRUE_WORDS.slice(2).join("/")} and ${FALSE_WORDS.slice(2).join("/")}, 1 and 0)`,
      );
    }
    case "milliseconds":
    case "count": {
      const expected =
        kind === "milliseconds"
          ? "a whole number of milliseconds, at least 1"
          : "a whole number, 0 or more";
      const text =
        typeof raw === "number" ? String(raw) : typeof raw === "string" ? raw.trim() : "";
      if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) return fail(expected);
      const n = Number(text);
      if (kind === "milliseconds" && n < 1) return fail(expected);
      return n as SettingValues[K];
    }
  }
}

/**
 * The client options given by provider config: `lookup(configKey)` returns a setting's value
 * (text or typed; undefined when unset). Each is parsed by {@link parseSetting}, so a bad value
 * fails here, naming its config key.
 */
export function optionsFromConfig(lookup: (configKey: string) => unknown): ClientOptions {
  const out: ClientOptions = {};
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    const value = parseSetting(name, lookup(SETTINGS[name].configKey), SETTINGS[name].configKey);
    if (value !== undefined) (out as Record<string, unknown>)[name] = value;
  }
  return out;
}

/** Every option {@link ClientOptions} takes (any other key is refused). */
const CLIENT_OPTION_KEYS = [
  "baseUrl",
  "token",
  "timeoutMs",
  "maxRetries",
  "retryBaseDelayMs",
  "retryMaxDelayMs",
  "allowInsecureHttp",
  "connections",
  "logger",
  "dispatcher",
] as const satisfies readonly (keyof ClientOptions)[];

/** The client's configuration once every option is resolved. */
export interface ResolvedConfig {
  baseUrl: string;
  token: string | undefined;
  timeoutMs: number;
  maxRetries: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  allowInsecureHttp: boolean;
  connections: number;
}

type Env = Record<string, string | undefined>;

/**
 * The one place an option is resolved: the option if given, else the environment variable
 * (an empty variable counts as unset), else the default. `parse` turns the variable's text
 * into the value and throws a ConfigurationError naming the variable when it cannot.
 */
export function resolveOption<T>(
  option: T | undefined,
  env: Env,
  envName: string | undefined,
  parse: (text: string, envName: string) => T,
  fallback: T,
): T {
  if (option !== undefined) return option;
  if (envName !== undefined) {
    const text = env[envName];
    if (text !== undefined && text.trim() !== "") return parse(text.trim(), envName);
  }
  return fallback;
}

/** A setting: the option if given, else its environment variable through {@link parseSetting}. */
function fromEnv<K extends SettingName>(
  name: K,
  option: SettingValues[K] | undefined,
  env: Env,
): SettingValues[K] | undefined {
  if (option !== undefined) return option;
  return parseSetting(name, env[SETTINGS[name].env], SETTINGS[name].env);
}

function checkNumber(name: string, value: number, min: number): number {
  if (
    typeof value !== "number" ||
    !Number.isFinite(value) ||
    !Number.isInteger(value) ||
    value < min
  ) {
    throw new ConfigurationError(`${name} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

/** Refuses an option {@link ClientOptions} does not have, with the closest one it does. */
function checkOptionKeys(options: ClientOptions): void {
  for (const key of Object.keys(options)) {
    if ((CLIENT_OPTION_KEYS as readonly string[]).includes(key)) continue;
    const close = closeMatches(key, CLIENT_OPTION_KEYS, 1);
    throw new ConfigurationError(
      `unknown client option "${key}"${close.length > 0 ? ` (did you mean "${close[0]}"?)` : ""}; the options are ${CLIENT_OPTION_KEYS.join(", ")}`,
    );
  }
}

const LOOPBACK_HOSTS = new Set(["localhost", "[::1]"]);

/** True for localhost, ::1 and 127.0.0.0/8: hosts where plain http never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return LOOPBACK_HOSTS.has(h) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * Validates and normalizes the base URL: http(s) only, no credentials, query or fragment,
 * no trailing slash; plain http only to loopback unless `allowInsecureHttp`.
 */
export function normalizeBaseUrl(raw: string, allowInsecureHttp: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigurationError(
      `acp:baseUrl / ${ENV.baseUrl} is not a valid URL (expected e.g. https://api.example.com)`,
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigurationError(
      `acp:baseUrl / ${ENV.baseUrl} must use https:// (got ${url.protocol}//)`,
    );
  }
  // Credentials in the URL would be echoed into error messages and state; the token has its own setting.
  if (url.username !== "" || url.password !== "") {
    throw new ConfigurationError(
      `acp:baseUrl / ${ENV.baseUrl} must not contain credentials; set acp:token / ${ENV.token} instead`,
    );
  }
  if (url.search !== "" || url.hash !== "") {
    throw new ConfigurationError(
      `acp:baseUrl / ${ENV.baseUrl} must not contain a query or fragment (got ${url.origin}${url.pathname}…)`,
    );
  }
  if (url.protocol === "http:" && !allowInsecureHttp && !isLoopbackHost(url.hostname)) {
    throw new ConfigurationError(
      `refusing plain http:// to ${url.host} (acp:baseUrl / ${ENV.baseUrl}): the token would travel ` +
        `unencrypted. Use https://, or set acp:allowInsecureHttp / ${ENV.allowInsecureHttp}=1`,
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/**
 * Resolves every option of {@link ClientOptions}: the option, else its environment variable
 * (parsed by {@link parseSetting}, as provider config is), else the default. An unknown option is
 * refused with the closest known one.
 */
export function resolveConfig(options: ClientOptions = {}, env: Env = process.env): ResolvedConfig {
  checkOptionKeys(options);
  const allowInsecureHttp = fromEnv("allowInsecureHttp", options.allowInsecureHttp, env) ?? false;
  const rawBaseUrl = fromEnv("baseUrl", options.baseUrl, env) ?? "";
  if (rawBaseUrl.trim() === "") {
    throw new ConfigurationError(
      `no ACP base URL: set the acp:baseUrl config (or baseUrl option) or the ${ENV.baseUrl} environment variable`,
    );
  }
  const token = fromEnv("token", options.token, env) ?? "";
  const timeoutMs = fromEnv("timeoutMs", options.timeoutMs, env) ?? DEFAULTS.timeoutMs;
  const maxRetries = fromEnv("maxRetries", options.maxRetries, env) ?? DEFAULTS.maxRetries;
  const retryBaseDelayMs = options.retryBaseDelayMs ?? DEFAULTS.retryBaseDelayMs;
  const retryMaxDelayMs = options.retryMaxDelayMs ?? DEFAULTS.retryMaxDelayMs;
  const connections = options.connections ?? DEFAULTS.connections;
  return {
    baseUrl: normalizeBaseUrl(rawBaseUrl.trim(), allowInsecureHttp),
    token: token === "" ? undefined : token,
    timeoutMs: checkNumber(`timeoutMs / ${ENV.timeoutMs}`, timeoutMs, 1),
    maxRetries: checkNumber(`maxRetries / ${ENV.maxRetries}`, maxRetries, 0),
    retryBaseDelayMs: checkNumber("retryBaseDelayMs", retryBaseDelayMs, 0),
    retryMaxDelayMs: checkNumber("retryMaxDelayMs", retryMaxDelayMs, 0),
    allowInsecureHttp,
    connections: checkNumber("connections", connections, 1),
  };
}
