/**
 * One config path: every setting from provider config (`acp:*`) and from the environment goes
 * through the same parser, with the same names, units, words and errors. Table-driven: each
 * row is tried in both sources and must give the same value, or the same error naming its
 * source.
 */
import {
  AcpClient,
  ConfigurationError,
  optionsFromConfig,
  resolveConfig,
  SETTINGS,
  type SettingName,
} from "../../provider/client";

type Row = [text: string, expected: { value: unknown } | { error: string }];
const ok = (value: unknown) => ({ value });
const err = (error: string) => ({ error });

const TABLE: Record<SettingName, Row[]> = {
  baseUrl: [
    ["https://acp.example.com", ok("https://acp.example.com")],
    ["  https://acp.example.com/base/  ", ok("https://acp.example.com/base")],
  ],
  token: [
    ["tok_123", ok("tok_123")],
    [" tok_456 ", ok("tok_456")],
  ],
  timeoutMs: [
    ["30000", ok(30000)],
    [" 1 ", ok(1)],
    ["30s", err('expected a whole number of milliseconds, at least 1, got "30s"')],
    ["0", err('expected a whole number of milliseconds, at least 1, got "0"')],
    ["-5", err('expected a whole number of milliseconds, at least 1, got "-5"')],
    ["1.5", err('expected a whole number of milliseconds, at least 1, got "1.5"')],
    ["1e3", err('expected a whole number of milliseconds, at least 1, got "1e3"')],
  ],
  maxRetries: [
    ["0", ok(0)],
    ["7", ok(7)],
    ["three", err('expected a whole number, 0 or more, got "three"')],
    ["-1", err('expected a whole number, 0 or more, got "-1"')],
    ["99999999999999999999", err('expected a whole number, 0 or more, got "99999999999999999999"')],
  ],
  allowInsecureHttp: [
    ["1", ok(true)],
    ["true", ok(true)],
    ["TRUE", ok(true)],
    ["yes", ok(true)],
    ["On", ok(true)],
    ["0", ok(false)],
    ["false", ok(false)],
    ["no", ok(false)],
    ["off", ok(false)],
    ["maybe", err('expected true or false (also yes/on and no/off, 1 and 0), got "maybe"')],
  ],
};

/** What a setting becomes from provider config, resolved by the client as the providers do. */
function fromConfig(name: SettingName, text: string): unknown {
  const config: Record<string, string> = { [SETTINGS[name].configKey]: text };
  if (name !== "baseUrl") config[SETTINGS.baseUrl.configKey] = "http://127.0.0.1:1";
  try {
    return {
      value: resolveConfig(
        optionsFromConfig((key) => config[key]),
        {},
      )[name],
    };
  } catch (e) {
    if (!(e instanceof ConfigurationError)) throw e;
    return { error: e.message };
  }
}

/** What a setting becomes from the environment, resolved by the client. */
function fromEnv(name: SettingName, text: string): unknown {
  const env: Record<string, string> = { [SETTINGS[name].env]: text };
  // The other required setting, so that the one under test decides the outcome.
  if (name !== "baseUrl") env[SETTINGS.baseUrl.env] = "http://127.0.0.1:1";
  try {
    return { value: resolveConfig({}, env)[name] };
  } catch (e) {
    if (!(e instanceof ConfigurationError)) throw e;
    return { error: e.message };
  }
}

const rows = Object.entries(TABLE).flatMap(([name, list]) =>
  list.map(([text, expected]) => ({ name: name as SettingName, text, expected })),
);

describe("every setting, from both sources", () => {
  it("covers every setting of the table", () => {
    expect(Object.keys(TABLE).sort()).toEqual(Object.keys(SETTINGS).sort());
  });

  it.each(rows)("$name = $text", ({ name, text, expected }) => {
    const { configKey, env } = SETTINGS[name];
    if ("value" in expected) {
      expect(fromConfig(name, text)).toEqual(expected);
      expect(fromEnv(name, text)).toEqual(expected);
    } else {
      expect(fromConfig(name, text)).toEqual({ error: `${configKey}: ${expected.error}` });
      expect(fromEnv(name, text)).toEqual({ error: `${env}: ${expected.error}` });
    }
  });

  it("takes typed values from a provider resource's arguments, refusing wrong types by key", () => {
    const typed: Record<string, unknown> = {
      "acp:timeoutMs": 5000,
      "acp:maxRetries": 0,
      "acp:allowInsecureHttp": true,
    };
    expect(optionsFromConfig((k) => typed[k])).toEqual({
      timeoutMs: 5000,
      maxRetries: 0,
      allowInsecureHttp: true,
    });
    expect(() => optionsFromConfig((k) => (k === "acp:timeoutMs" ? 2.5 : undefined))).toThrow(
      "acp:timeoutMs: expected a whole number of milliseconds, at least 1, got 2.5",
    );
    // A token of the wrong type is named by its type, never shown.
    expect(() => optionsFromConfig((k) => (k === "acp:token" ? 12345 : undefined))).toThrow(
      "acp:token: expected text, got a number",
    );
  });

  it("counts blank values as unset in both sources", () => {
    expect(optionsFromConfig(() => "  ")).toEqual({});
    expect(
      resolveConfig({}, { ACP_BASE_URL: "http://127.0.0.1:1", ACP_TIMEOUT_MS: " " }).timeoutMs,
    ).toBe(30000);
  });
});

describe("ClientOptions", () => {
  it("refuses an unknown or misspelt option, with the closest one", () => {
    expect(() => new AcpClient({ baseUrl: "http://127.0.0.1:1", timeoutMS: 5 } as never)).toThrow(
      'unknown client option "timeoutMS" (did you mean "timeoutMs"?)',
    );
    expect(() => new AcpClient({ baseUrl: "http://127.0.0.1:1", colour: 1 } as never)).toThrow(
      /^unknown client option "colour"; the options are baseUrl, token, /,
    );
  });
});
