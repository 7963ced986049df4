/** The plugin's own glue, without the engine: URNs, and provider config from Configure requests. */
import { configOfRequest } from "../../provider/plugin/main";
import { acpProvider, parseUrn } from "../../provider/plugin/provider";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

describe("plugin glue", () => {
  it("parses URNs, nested types included", () => {
    expect(
      parseUrn("urn:pulumi:dev::sprint::acp:index:TaskGraph$acp:index:Task::q4-design"),
    ).toEqual({ stack: "dev", project: "sprint", type: "acp:index:Task", name: "q4-design" });
  });

  it("reads typed args first, secrets unwrapped, then the variables", () => {
    const lookup = configOfRequest({
      getArgs: () => ({
        toJavaScript: () => ({
          baseUrl: "http://127.0.0.1:1",
          token: { [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270", value: "tok" },
          maxRetries: 2,
        }),
      }),
      getVariablesMap: () => {
        const vars = new Map([
          ["acp:timeoutMs", "500"],
          ["acp:config:allowInsecureHttp", "true"],
        ]);
        return { get: (k: string) => vars.get(k) };
      },
    });
    expect(lookup("acp:baseUrl")).toBe("http://127.0.0.1:1");
    expect(lookup("acp:token")).toBe("tok");
    expect(lookup("acp:maxRetries")).toBe(2);
    expect(lookup("acp:timeoutMs")).toBe("500");
    expect(lookup("acp:allowInsecureHttp")).toBe("true");
  });

  it("names an unknown resource type", async () => {
    await expect(
      acpProvider.check!("urn:pulumi:dev::p::acp:index:Taks::x", {}, {}),
    ).rejects.toThrow("the acp provider has no resource type acp:index:Taks; upgrade pulumi-acp");
  });
});
