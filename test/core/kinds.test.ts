/**
 * A resource kind is one registry entry (provider/core/kinds.ts): every entry is served by both
 * front doors and described by the plugin's schema, and an entry or a door that leaves a piece
 * out does not compile (checked by compiling small programs with the TypeScript compiler).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import {
  DYNAMIC_KINDS,
  isDynamicKind,
  kindDescription,
  kindOfToken,
  PROVIDER_KINDS,
  providerCore,
  RESOURCE_KINDS,
  tokensRecovered,
  type ResourceKind,
} from "../../provider/core";
import { implementation } from "../../provider/dynamic/runtime";
import { DYNAMIC_RESOURCES } from "../../provider/dynamic/resources";
import { acpProvider } from "../../provider/plugin/provider";
import { packageSchema } from "../../provider/plugin/schema";
import { VERSION } from "../../provider/client/version";

const ROOT = path.join(__dirname, "..", "..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  exports: Record<string, { default: string }>;
};
const resources = packageSchema(VERSION).resources as Record<string, { description: string }>;
/** An input no kind accepts: check reports it through whichever door. */
const BAD = { notAProperty: 1 };

describe.each(PROVIDER_KINDS)("the %s kind", (kind) => {
  const entry: ResourceKind = RESOURCE_KINDS[kind];

  it("is found by its plugin token", () => {
    expect(kindOfToken(entry.pluginToken)).toBe(kind);
  });

  it("is dispatched by the plugin to its core", async () => {
    const urn = `urn:pulumi:dev::proj::${entry.pluginToken}::one`;
    expect(await acpProvider.check!(urn, {}, BAD)).toEqual(await providerCore(kind).check({}, BAD));
  });

  it("is described by the plugin's schema, with how to import it", () => {
    expect(resources[entry.pluginToken]?.description).toBe(kindDescription(entry));
    expect(resources[entry.pluginToken].description).toContain(entry.importId.form);
  });
});

describe("a plugin-only kind", () => {
  const pluginOnly = PROVIDER_KINDS.filter((k) => !isDynamicKind(k));

  it("is the Sprint, which the dynamic door does not serve", () => {
    expect(pluginOnly).toEqual(["sprint"]);
    expect(Object.keys(DYNAMIC_RESOURCES)).toEqual(DYNAMIC_KINDS);
    expect(kindOfToken("pulumi-nodejs:dynamic/acp:Sprint")).toBeUndefined();
  });
});

describe.each(DYNAMIC_KINDS)("the dynamic %s kind", (kind) => {
  const entry = RESOURCE_KINDS[kind];

  it("is found by its dynamic type token", () => {
    expect(kindOfToken(entry.dynamicToken)).toBe(kind);
  });

  it("is served by the dynamic runtime and by its serialized provider module", async () => {
    const expected = await providerCore(kind).check({}, BAD);
    expect(await implementation(kind).check({}, BAD)).toEqual(expected);
    const exported = pkg.exports[`./${entry.providerModule.replace(/^pulumi-acp\//, "")}`];
    expect(exported?.default).toMatch(/^\.\/dist\/provider\/dynamic\/providers\/[a-z-]+\.js$/);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module as the state records it
    const shim = require(entry.providerModule) as Record<string, unknown>;
    for (const method of ["configure", "check", "diff", "create", "read", "update", "delete"]) {
      expect(typeof shim[method]).toBe("function");
    }
    const check = shim.check as (o: object, n: object) => Promise<unknown>;
    expect(await check({}, BAD)).toEqual(expected);
  });

  it("has a dynamic resource class", () => {
    expect(typeof DYNAMIC_RESOURCES[kind]).toBe("function");
  });
});

describe("recovery", () => {
  it("adopts tasks, and threads through the tasks that link them, by either door's token", () => {
    expect([...tokensRecovered("task")].sort()).toEqual([
      "acp:index:Task",
      "pulumi-nodejs:dynamic/acp:Task",
    ]);
    expect([...tokensRecovered("linked-thread")].sort()).toEqual([
      "acp:index:TaskThread",
      "pulumi-nodejs:dynamic/acp:TaskThread",
    ]);
  });
});

/**
 * The compiler's errors for each of `sources`, compiled in one program (one compile takes
 * seconds), written beside the tests so their imports resolve.
 */
function compileErrors(sources: Record<string, string>): Record<string, string> {
  const files = Object.fromEntries(
    Object.keys(sources).map((name) => [
      name,
      path.join(__dirname, `kinds-${name}-${process.pid}.ts`),
    ]),
  );
  for (const [name, file] of Object.entries(files)) fs.writeFileSync(file, sources[name]);
  try {
    const program = ts.createProgram(Object.values(files), {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      esModuleInterop: true,
      module: ts.ModuleKind.Node16,
      moduleResolution: ts.ModuleResolutionKind.Node16,
      target: ts.ScriptTarget.ES2022,
      types: ["node"],
    });
    const diagnostics = ts.getPreEmitDiagnostics(program);
    return Object.fromEntries(
      Object.entries(files).map(([name, file]) => [
        name,
        diagnostics
          .filter((d) => d.file?.fileName === file)
          .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"))
          .join("\n"),
      ]),
    );
  } finally {
    for (const file of Object.values(files)) fs.rmSync(file, { force: true });
  }
}

/** The pieces of a kind's entry. */
const PIECES = [
  "dynamicToken",
  "pluginToken",
  "providerModule",
  "fields",
  "inputs",
  "api",
  "description",
  "importId",
  "recovery",
  "core",
];

/** A complete entry for a `Label` kind, with `omit` left out. */
const labelEntry = (omit: string) => `
  import { z } from "zod";
  import type { ResourceKind, ResourceCore } from "../../provider/core";
  declare const core: ResourceCore<{ name: string }>;
  const label = {
    ${[
      'name: "Label"',
      'dynamicToken: "pulumi-nodejs:dynamic/acp:Label"',
      'pluginToken: "acp:index:Label"',
      'providerModule: "pulumi-acp/providers/label"',
      'fields: { name: { input: true, source: "api", doc: "The label." } }',
      "inputs: z.strictObject({ name: z.string() })",
      "api: z.looseObject({ name: z.string() })",
      'description: "A label."',
      'importId: { form: "the label\'s id" }',
      'recovery: "none"',
      "core",
    ]
      .filter((line) => !line.startsWith(`${omit}:`) && line !== omit)
      .join(",\n")},
  } as const satisfies ResourceKind;
  export default label;
`;

describe("a new kind", () => {
  let errors: Record<string, string>;
  beforeAll(() => {
    errors = compileErrors({
      complete: labelEntry("-"),
      ...Object.fromEntries(PIECES.map((piece) => [piece, labelEntry(piece)])),
      door: `
        import type { DynamicResourceClass } from "../../provider/dynamic/resources";
        import { DYNAMIC_RESOURCES } from "../../provider/dynamic/resources";
        type Kinds = "task" | "taskThread" | "thread" | "agentRun" | "label";
        const { task, taskThread, thread, agentRun } = DYNAMIC_RESOURCES;
        export const doors = { task, taskThread, thread, agentRun } satisfies Record<Kinds, DynamicResourceClass>;
      `,
    });
  }, 120_000);

  it("is one entry: a complete one compiles", () => {
    expect(errors.complete).toBe("");
  });

  it.each(PIECES)("does not compile without its %s", (piece) => {
    expect(errors[piece]).toContain(`'${piece}'`);
  });

  it("does not compile until the dynamic door has its resource class", () => {
    expect(errors.door).toContain("'label'");
  });
});
