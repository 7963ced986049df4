/**
 * A hostile API in front of the emulator: an HTTP proxy that passes requests through, or, in an
 * echo mode, answers with the bearer token it received echoed back as it is, JSON-escaped,
 * URL-encoded and in Base64 — in 2xx fields of the wrong type, in error bodies, in headers, in a
 * redirect's `Location`, in a huge body cut in the middle of the token.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

/** The echo modes, each a way the proxy answers every request. */
export const ECHO_MODES = {
  /**
   * Forwarded; a 2xx answer's tasks and threads get the token in fields of the wrong type
   * (`sortOrder`, `metadata`, `dependencyIds`; `messageCount`, `inputTokens`, `metadata`). A 2xx
   * ends a delete whatever its body, so a DELETE is not forwarded but answered 409 with the token
   * in error fields of the wrong type.
   */
  "wrong type in a 2xx": "wrongType",
  /** Not forwarded: 400 to GET, 422 to POST, 409 to PATCH, 403 to DELETE, the token in the body. */
  "4xx error body": "clientError",
  /** Not forwarded: 500 (503 to GET, with the token as `Retry-After`), the token in the body. */
  "5xx error body": "serverError",
  /** Not forwarded: 307 to a `Location` whose host, path, query and fragment hold the token. */
  "3xx Location": "redirect",
  /**
   * Not forwarded: a body of 1 MiB that is not JSON (200; 502 to DELETE, which a 200 would end),
   * with the token across the places where a message cuts a body (80, 200 and 2,048
   * characters), and cut in the middle of the token at its end.
   */
  "huge body cut mid-token": "hugeCut",
} as const;

/** A way the proxy answers: passing through to the emulator, or one of {@link ECHO_MODES}. */
export type ProxyMode = "passThrough" | (typeof ECHO_MODES)[keyof typeof ECHO_MODES];

/** The proxy: its URL, its mode (switchable at any time) and the answers it echoed the token in. */
export interface EchoProxy {
  readonly url: string;
  /** The emulator's URL: requests go there (set once the emulator listens). */
  target: string;
  mode: ProxyMode;
  /** Answers that echoed the token, by mode. */
  readonly echoed: Partial<Record<ProxyMode, number>>;
  close(): Promise<void>;
}

/** Size of the huge body, in characters (all ASCII): under the client's 10 MiB cap. */
const HUGE_BODY_CHARS = 1024 * 1024;

/** The forms in which the proxy echoes `token`: as it is, JSON-escaped, URL-encoded, Base64. */
export function echoForms(token: string): { raw: string; json: string; url: string; b64: string } {
  return {
    raw: token,
    json: JSON.stringify(token).slice(1, -1),
    url: encodeURIComponent(token),
    b64: Buffer.from(token).toString("base64"),
  };
}

/** The token's forms in one string, for a message or a text body. */
function allForms(token: string): string {
  const f = echoForms(token);
  return `${f.raw} ${f.json} ${f.url} ${f.b64}`;
}

/** A body of `chars` characters, not JSON, that holds the token across each cut and is cut in the middle of it. */
function hugeBody(token: string, chars: number): string {
  let text = "echo:";
  for (const cut of [80, 200, 2048]) {
    text = text.padEnd(cut - Math.floor(token.length / 2), ".");
    text += token;
  }
  const filler = ` ${allForms(token)}`;
  while (text.length < chars - token.length) text += filler;
  return text.slice(0, chars - token.length) + token.slice(0, Math.ceil(token.length / 2));
}

/** The body of every error answer: the token's forms in each field a client may quote. */
function errorBody(token: string): Record<string, unknown> {
  const f = echoForms(token);
  return {
    error: f.raw,
    message: `refused for ${allForms(token)}`,
    field: f.url,
    reason: f.b64,
    blockingTaskIds: [f.raw, f.json],
    currentBudget: f.raw,
    details: { nested: [{ token: f.raw, encoded: f.b64 }] },
  };
}

/** `body` (an API answer) with the token in fields of the wrong type of every task and thread. */
function withWrongTypes(body: unknown, token: string): unknown {
  const f = echoForms(token);
  const task = (t: Record<string, unknown>) => ({
    ...t,
    sortOrder: f.raw,
    metadata: f.b64,
    dependencyIds: f.url,
  });
  const thread = (t: Record<string, unknown>) => ({
    ...t,
    messageCount: f.raw,
    inputTokens: f.b64,
    metadata: f.url,
  });
  if (typeof body !== "object" || body === null || Array.isArray(body)) return body;
  const out: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  const obj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
  if (obj(out.task)) out.task = task(out.task);
  if (obj(out.thread)) out.thread = thread(out.thread);
  if (Array.isArray(out.tasks)) out.tasks = out.tasks.map((t) => (obj(t) ? task(t) : t));
  if (Array.isArray(out.threads)) out.threads = out.threads.map((t) => (obj(t) ? thread(t) : t));
  return out;
}

/** The host of a URL that holds the token: its letters, digits and dashes. */
function hostForm(token: string): string {
  return token.replace(/[^A-Za-z0-9-]/g, "");
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function forward(target: string, req: http.IncomingMessage, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const url = new URL(req.url ?? "/", target);
    const headers = { ...req.headers, host: url.host };
    const out = http.request(url, { method: req.method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const h: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) {
          if (v !== undefined && k !== "content-length" && k !== "transfer-encoding")
            h[k] = Array.isArray(v) ? v.join(", ") : v;
        }
        resolve({
          status: res.statusCode ?? 502,
          headers: h,
          body: Buffer.concat(chunks).toString(),
        });
      });
      res.on("error", reject);
    });
    out.on("error", reject);
    out.end(body);
  });
}

/** The answer of `mode` to a request, `token` being what its Authorization header carried. */
async function answer(
  mode: ProxyMode,
  target: string,
  req: http.IncomingMessage,
  body: Buffer,
  token: string,
): Promise<Answer> {
  const f = echoForms(token);
  const json = "application/json";
  const echoHeaders = {
    "x-echo": f.raw,
    "x-echo-b64": f.b64,
    "www-authenticate": `Bearer realm="${f.url}"`,
  };
  const method = req.method ?? "GET";
  switch (mode) {
    case "passThrough":
      return forward(target, req, body);
    case "wrongType": {
      if (method === "DELETE") {
        const wrong = { error: "conflict", reason: [f.raw], blockingTaskIds: f.raw, field: 7 };
        return { status: 409, headers: { "content-type": json }, body: JSON.stringify(wrong) };
      }
      const res = await forward(target, req, body);
      if (res.status < 200 || res.status >= 300) return res;
      const rewritten = JSON.stringify(withWrongTypes(JSON.parse(res.body || "null"), token));
      return { status: res.status, headers: { ...res.headers, ...echoHeaders }, body: rewritten };
    }
    case "clientError": {
      const status = { GET: 400, POST: 422, PATCH: 409, DELETE: 403 }[method] ?? 400;
      const headers = { ...echoHeaders, "content-type": json };
      return { status, headers, body: JSON.stringify(errorBody(token)) };
    }
    case "serverError": {
      const status = method === "GET" ? 503 : 500;
      const headers = { ...echoHeaders, "content-type": json, "retry-after": f.raw };
      return { status, headers, body: JSON.stringify(errorBody(token)) };
    }
    case "redirect": {
      const location = `http://${hostForm(token)}.invalid/v1/${f.url}?token=${f.b64}#${f.raw}`;
      const headers = { ...echoHeaders, location, "content-type": json };
      return { status: 307, headers, body: JSON.stringify(errorBody(token)) };
    }
    case "hugeCut": {
      const status = method === "DELETE" ? 502 : 200;
      const headers = { ...echoHeaders, "content-type": json };
      return { status, headers, body: hugeBody(token, HUGE_BODY_CHARS) };
    }
  }
}

/** Starts the proxy on a loopback port, in pass-through mode, in front of `target`. */
export async function startEchoProxy(target = ""): Promise<EchoProxy> {
  const echoed: Partial<Record<ProxyMode, number>> = {};
  const state = { mode: "passThrough" as ProxyMode, target };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const mode = state.mode;
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
      answer(mode, state.target, req, Buffer.concat(chunks), token).then(
        (a) => {
          if (mode !== "passThrough") echoed[mode] = (echoed[mode] ?? 0) + 1;
          res.writeHead(a.status, { ...a.headers, "content-length": Buffer.byteLength(a.body) });
          res.end(a.body);
        },
        (err: unknown) => {
          res.writeHead(502, { "content-type": "text/plain" });
          res.end(`echo proxy: ${String(err)}`);
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get target() {
      return state.target;
    },
    set target(t: string) {
      state.target = t;
    },
    get mode() {
      return state.mode;
    },
    set mode(m: ProxyMode) {
      state.mode = m;
    },
    echoed,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
