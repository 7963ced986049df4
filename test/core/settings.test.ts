/** The provider process's settings and its one client. */
import type * as pulumi from "@pulumi/pulumi";
import { acpClient, configureFromStack } from "../../provider/core/settings";

function req(config: Record<string, string>): pulumi.dynamic.ConfigureRequest {
  return {
    config: { get: (key: string) => config[key] },
  } as unknown as pulumi.dynamic.ConfigureRequest;
}

describe("provider settings", () => {
  it("reads stack config, and keeps one client while the config does not change", async () => {
    configureFromStack(
      req({ "acp:baseUrl": "http://127.0.0.1:9", "acp:token": "t", "acp:maxRetries": "2" }),
    );
    const first = acpClient();
    expect(first.baseUrl).toBe("http://127.0.0.1:9");
    // The engine configures each provider kind in turn with the same config.
    configureFromStack(
      req({ "acp:baseUrl": "http://127.0.0.1:9", "acp:token": "t", "acp:maxRetries": "2" }),
    );
    expect(acpClient()).toBe(first);
    configureFromStack(req({ "acp:baseUrl": "http://127.0.0.1:10", "acp:token": "t" }));
    const second = acpClient();
    expect(second).not.toBe(first);
    expect(second.baseUrl).toBe("http://127.0.0.1:10");
    await first.close();
    await second.close();
  });

  it("treats empty config values as unset", () => {
    const before = process.env.ACP_BASE_URL;
    process.env.ACP_BASE_URL = "http://127.0.0.1:11";
    try {
      configureFromStack(req({ "acp:baseUrl": "", "acp:token": "t" }));
      expect(acpClient().baseUrl).toBe("http://127.0.0.1:11");
    } finally {
      if (before === undefined) delete process.env.ACP_BASE_URL;
      else process.env.ACP_BASE_URL = before;
    }
  });

  it("refuses a bad value with the same words as the environment, naming the config key", () => {
    expect(() => configureFromStack(req({ "acp:timeoutMs": "30s" }))).toThrow(
      'acp:timeoutMs: expected a whole number of milliseconds, at least 1, got "30s"',
    );
    expect(() => configureFromStack(req({ "acp:maxRetries": "three" }))).toThrow(
      'acp:maxRetries: expected a whole number, 0 or more, got "three"',
    );
    // "yes" means true in stack config as it does in ACP_ALLOW_INSECURE_HTTP.
    configureFromStack(
      req({
        "acp:baseUrl": "http://api.example.com",
        "acp:token": "t",
        "acp:allowInsecureHttp": "yes",
      }),
    );
    expect(acpClient().baseUrl).toBe("http://api.example.com");
  });
});
