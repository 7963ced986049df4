/**
 * What the `acp` plugin loads to serve its custom resources: not the Node SDK's resource model
 * (`@pulumi/pulumi`'s index, most of a plugin's start-up), which only a TaskGraph's construct
 * needs. Checked in a fresh Node process on the built plugin, as the engine starts it.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");

/** The modules of @pulumi/pulumi a fresh process holds after requiring `modules`. */
function pulumiModulesAfter(...modules: string[]): string[] {
  const script = `
    for (const m of ${JSON.stringify(modules)}) require(m);
    const sdk = require("node:path").dirname(require.resolve("@pulumi/pulumi/package.json"));
    const held = Object.keys(require.cache).filter((k) => k.startsWith(sdk));
    process.stdout.write(JSON.stringify(held.map((k) => k.slice(sdk.length + 1))));
  `;
  return JSON.parse(
    execFileSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8" }),
  );
}

describe("the acp plugin's start", () => {
  it("serves its resources without loading the SDK's resource model", () => {
    const held = pulumiModulesAfter(
      "./dist/provider/plugin/main.js",
      "./dist/provider/plugin/provider.js",
    );
    expect(held).toContain("provider/server.js");
    expect(held).not.toContain("index.js");
  });

  it("loads the resource model when a TaskGraph is constructed", () => {
    expect(pulumiModulesAfter("./dist/provider/plugin/construct.js")).toContain("index.js");
  });
});
