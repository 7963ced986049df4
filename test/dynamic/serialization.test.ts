/**
 * What Pulumi writes into the state for the providers. Loaded from node_modules (as in a user's
 * project) a provider is captured by reference; loaded from anywhere else (a linked checkout) by
 * value. Either way the text must be small, hold no implementation or credential, and work when
 * the provider host loads it.
 */
import * as pulumi from "@pulumi/pulumi";
import * as installed from "pulumi-acp/providers/task";
import * as fromSource from "../../provider/dynamic/providers/task";

/** How the provider host loads a serialized provider. */
type LoadedProvider = { handler: () => pulumi.dynamic.ResourceProvider };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const requireFromString = require("require-from-string") as (code: string) => LoadedProvider;

async function serialized(provider: object): Promise<string> {
  return (await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: false })).text;
}

describe("the serialized provider", () => {
  const previousToken = process.env.ACP_API_TOKEN;
  beforeAll(() => {
    process.env.ACP_API_TOKEN = "serialization-secret-token";
  });
  afterAll(() => {
    process.env.ACP_API_TOKEN = previousToken;
  });

  it("is a require of the installed package when loaded from node_modules", async () => {
    const text = await serialized(installed);
    expect(text).toContain('require("pulumi-acp/providers/task")');
    expect(text.length).toBeLessThan(1024);
  });

  it("is small, self-contained and token-free when captured by value, and works when loaded", async () => {
    const text = await serialized(fromSource);
    expect(text).not.toContain('require("pulumi-acp/providers/task")');
    expect(text).toContain('require("pulumi-acp/runtime")');
    expect(text.length).toBeLessThan(4096);
    expect(text).not.toMatch(/zod|undici|serialization-secret-token/);
    const provider = requireFromString(text).handler();
    const result = await provider.check!({}, { title: "" });
    expect(result.failures).toEqual([expect.objectContaining({ property: "title" })]);
  });
});
