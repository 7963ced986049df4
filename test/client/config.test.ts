import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  AcpClient,
  ConfigurationError,
  DEFAULTS,
  resolveConfig,
  resolveOption,
  VERSION,
} from "../../provider/client";

describe("resolveConfig", () => {
  it("takes the option, then the environment, then the default", () => {
    const env = {
      ACP_BASE_URL: "https://env.example.com/",
      ACP_TIMEOUT_MS: "1234",
      ACP_MAX_RETRIES: "",
    };
    const fromEnv = resolveConfig({}, env);
    expect(fromEnv.baseUrl).toBe("https://env.example.com");
    expect(fromEnv.timeoutMs).toBe(1234);
    expect(fromEnv.maxRetries).toBe(DEFAULTS.maxRetries); // empty variable = unset
    expect(fromEnv.retryBaseDelayMs).toBe(250);
    expect(fromEnv.retryMaxDelayMs).toBe(8000);
    expect(fromEnv.connections).toBe(16);
    expect(fromEnv.token).toBeUndefined();
    const fromOption = resolveConfig(
      { baseUrl: "https://opt.example.com/api/", timeoutMs: 5, maxRetries: 0 },
      env,
    );
    expect(fromOption.baseUrl).toBe("https://opt.example.com/api");
    expect(fromOption.timeoutMs).toBe(5);
    expect(fromOption.maxRetries).toBe(0);
  });

  it("resolveOption treats an empty or blank variable as unset", () => {
    const parse = (t: string) => t;
    expect(resolveOption(undefined, { X: "" }, "X", parse, "d")).toBe("d");
    expect(resolveOption(undefined, { X: "  " }, "X", parse, "d")).toBe("d");
    expect(resolveOption(undefined, { X: "v" }, "X", parse, "d")).toBe("v");
    expect(resolveOption("o", { X: "v" }, "X", parse, "d")).toBe("o");
  });

  it("names acp:baseUrl and ACP_BASE_URL when the base URL is missing", () => {
    expect(() => resolveConfig({}, {})).toThrow(ConfigurationError);
    expect(() => resolveConfig({}, {})).toThrow(/acp:baseUrl.*ACP_BASE_URL/);
    expect(() => resolveConfig({}, { ACP_BASE_URL: "" })).toThrow(/ACP_BASE_URL/);
  });

  it("refuses plain http to a non-loopback host unless allowed", () => {
    expect(() => resolveConfig({ baseUrl: "http://api.example.com" }, {})).toThrow(
      /ACP_ALLOW_INSECURE_HTTP/,
    );
    expect(
      resolveConfig({ baseUrl: "http://api.example.com", allowInsecureHttp: true }, {}).baseUrl,
    ).toBe("http://api.example.com");
    expect(
      resolveConfig({ baseUrl: "http://api.example.com" }, { ACP_ALLOW_INSECURE_HTTP: "true" })
        .baseUrl,
    ).toBe("http://api.example.com");
    for (const ok of [
      "http://127.0.0.1:8080",
      "http://127.5.6.7",
      "http://localhost:3000",
      "http://[::1]:9000",
    ]) {
      expect(() => resolveConfig({ baseUrl: ok }, {})).not.toThrow();
    }
  });

  it("rejects bad URLs, credentials in the URL and bad numbers", () => {
    expect(() => resolveConfig({ baseUrl: "not a url" }, {})).toThrow(ConfigurationError);
    expect(() => resolveConfig({ baseUrl: "ftp://x.example.com" }, {})).toThrow(/https/);
    let message = "";
    try {
      resolveConfig({ baseUrl: "https://user:s3cretpw@x.example.com" }, {});
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/credentials/);
    expect(message).not.toContain("s3cretpw");
    expect(() => resolveConfig({ baseUrl: "https://x.example.com?a=1" }, {})).toThrow(/query/);
    expect(() =>
      resolveConfig({ baseUrl: "https://x.example.com" }, { ACP_TIMEOUT_MS: "abc" }),
    ).toThrow(/ACP_TIMEOUT_MS/);
    expect(() => resolveConfig({ baseUrl: "https://x.example.com", maxRetries: -1 }, {})).toThrow(
      /maxRetries/,
    );
    expect(() =>
      resolveConfig({ baseUrl: "https://x.example.com" }, { ACP_ALLOW_INSECURE_HTTP: "maybe" }),
    ).toThrow(/ACP_ALLOW_INSECURE_HTTP/);
  });

  it("reads the real environment in the AcpClient constructor", () => {
    const saved = { ...process.env };
    try {
      process.env.ACP_BASE_URL = "https://from-env.example.com//";
      process.env.ACP_API_TOKEN = "";
      const client = new AcpClient();
      expect(client.baseUrl).toBe("https://from-env.example.com");
    } finally {
      process.env = saved;
    }
  });

  it("builds a client without a token and fails at the first request", async () => {
    const client = new AcpClient({ baseUrl: "https://x.example.com", token: "" });
    await expect(client.tasks.retrieve("task_1")).rejects.toThrow(/ACP_API_TOKEN/);
    await expect(client.tasks.retrieve("task_1")).rejects.toMatchObject({ code: "configuration" });
    await client.close();
  });

  it("VERSION matches package.json", () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, "../../package.json"), "utf8")) as {
      version: string;
    };
    expect(VERSION).toBe(pkg.version);
  });
});
