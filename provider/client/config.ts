import type { Dispatcher } from "undici";
import { ConfigurationError } from "./errors";

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

/** Environment variables read by the client. */
export const ENV = {
  baseUrl: "ACP_BASE_URL",
  token: "ACP_API_TOKEN",
  timeoutMs: "ACP_TIMEOUT_MS",
  maxRetries: "ACP_MAX_RETRIES",
  allowInsecureHttp: "ACP_ALLOW_INSECURE_HTTP",
} as const;

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

function parseString(text: string): string {
  return text;
}

function parseBool(text: string, envName: string): boolean {
  const t = text.toLowerCase();
  if (t === "1" || t === "true" || t === "yes") return true;
  if (t === "0" || t === "false" || t === "no") return false;
  throw new ConfigurationError(`${envName} must be 1/true or 0/false, got "${text}"`);
}

function parseInteger(text: string, envName: string): number {
  if (!/^\d+$/.test(text)) {
    throw new ConfigurationError(`${envName} must be a whole number, got "${text}"`);
  }
  return Number(text);
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

/** Resolves every option of {@link ClientOptions} (see {@link resolveOption}). */
export function resolveConfig(options: ClientOptions = {}, env: Env = process.env): ResolvedConfig {
  const allowInsecureHttp = resolveOption(
    options.allowInsecureHttp,
    env,
    ENV.allowInsecureHttp,
    parseBool,
    false,
  );
  const rawBaseUrl = resolveOption(options.baseUrl, env, ENV.baseUrl, parseString, "");
  if (rawBaseUrl.trim() === "") {
    throw new ConfigurationError(
      `no ACP base URL: set the acp:baseUrl config (or baseUrl option) or the ${ENV.baseUrl} environment variable`,
    );
  }
  const token = resolveOption(options.token, env, ENV.token, parseString, "");
  const timeoutMs = resolveOption(
    options.timeoutMs,
    env,
    ENV.timeoutMs,
    parseInteger,
    DEFAULTS.timeoutMs,
  );
  const maxRetries = resolveOption(
    options.maxRetries,
    env,
    ENV.maxRetries,
    parseInteger,
    DEFAULTS.maxRetries,
  );
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
