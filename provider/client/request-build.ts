/** Building a call: its path and query, its token and its headers, all checked before sending. */
import { ENV } from "./config";
import { ConfigurationError, ValidationError } from "./errors";
import type { RequestSpec } from "./request-spec";
import { ROUTES, routePath } from "./schemas";
import { VERSION } from "./version";

const TOKEN_CHARS = /^[\x21-\x7e]+$/;

/** The token, refused when missing or not sendable in a header. */
export function checkedToken(token: string | undefined): string {
  if (token === undefined) {
    throw new ConfigurationError(
      `no ACP API token: set the acp:token config (as a secret), the token option, or the ${ENV.token} environment variable`,
    );
  }
  if (!TOKEN_CHARS.test(token)) {
    throw new ConfigurationError(
      `the ACP API token (acp:token / ${ENV.token}) contains spaces or non-printable characters`,
    );
  }
  return token;
}

/** The headers every call sends. Authorization is set per request, never on the dispatcher. */
export function callHeaders(
  token: string,
  payload: string | undefined,
  agent?: string,
): Record<string, string> {
  const headers: Record<string, string> = {
    accept: "application/json",
    "user-agent": agent === undefined ? `pulumi-acp/${VERSION}` : `pulumi-acp/${VERSION} ${agent}`,
    authorization: `Bearer ${token}`,
  };
  if (payload !== undefined) headers["content-type"] = "application/json";
  return headers;
}

/** The call's path with its parameters percent-encoded and its query; a bad id is refused. */
export function buildPath(
  spec: Pick<RequestSpec<unknown>, "route" | "pathParams" | "query">,
  method: string,
): string {
  const params = spec.pathParams ?? {};
  for (const [key, value] of Object.entries(params)) {
    if (typeof value !== "string" || value.trim() === "") {
      throw new ValidationError(
        {
          status: undefined,
          body: undefined,
          method,
          path: ROUTES[spec.route].path,
          message: `invalid parameters for ${method} ${ROUTES[spec.route].path}: ${key}: must be a non-empty id, got ${JSON.stringify(value) ?? String(value)}`,
        },
        key,
      );
    }
  }
  let path = routePath(spec.route, params);
  if (spec.query) {
    const qs = new URLSearchParams();
    for (const [key, value] of Object.entries(spec.query)) {
      if (value !== undefined) qs.set(key, String(value));
    }
    const text = qs.toString();
    if (text) path += `?${text}`;
  }
  return path;
}
