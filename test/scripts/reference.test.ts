/**
 * What is generated from the registry of kinds (scripts/reference.ts) is committed as the
 * generator writes it: the dynamic resources' types, docs/resources/*.md and the README's
 * reference sections. A new field in a kind's zod inputs and table reaches all of them.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { RESOURCE_KINDS, type ResourceKind } from "../../provider/core";
import { generatedFiles, referencePage, ROOT, typesFile } from "../../scripts/reference";

describe("generated reference", () => {
  it.each(Object.entries(generatedFiles()))("%s is up to date", (file, text) => {
    const committed = fs.readFileSync(path.join(ROOT, file), "utf8");
    // Regenerate with: npx ts-node --transpile-only scripts/generate-reference.ts
    expect(committed).toBe(text);
  });

  it("has no reference page or types file the registry does not name", () => {
    const generated = new Set(Object.keys(generatedFiles()));
    for (const dir of ["docs/resources", "provider/dynamic/generated"]) {
      for (const name of fs.readdirSync(path.join(ROOT, dir))) {
        expect(generated).toContain(`${dir}/${name}`);
      }
    }
  });

  it("types and documents a field added to the zod inputs and the table, from them alone", () => {
    const task = RESOURCE_KINDS.task;
    const withEstimate: ResourceKind = {
      ...task,
      fields: {
        ...task.fields,
        estimate: { input: true, source: "api", inPlace: true, doc: "Hours the task should take." },
      },
      inputs: task.inputs.extend({ estimate: z.number().optional() }),
    };
    const types = typesFile(withEstimate);
    expect(types).toContain(
      "  /** Hours the task should take. */\n  estimate?: pulumi.Input<number>;",
    );
    expect(types).toContain(
      "  declare public readonly estimate: pulumi.Output<number | undefined>;",
    );
    expect(referencePage(withEstimate)).toContain(
      "| `estimate` | `number` | in place | Hours the task should take. |",
    );
  });
});
