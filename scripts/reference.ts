/**
 * What is generated from the registry of kinds (provider/core/kinds.ts), each kind's field table
 * and its zod schemas: the dynamic resources' argument types and declared outputs
 * (provider/dynamic/generated/*.ts), one reference page per resource (docs/resources/*.md), and
 * the README's lists of inputs and outputs (between `<!-- reference:... -->` markers). One `doc`
 * per field reaches the TypeScript hover text, the plugin's schema and the docs alike.
 *
 * `npx ts-node --transpile-only scripts/generate-reference.ts` writes them;
 * test/scripts/reference.test.ts fails while a copy is stale.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { z } from "zod";
import {
  Execution,
  Metadata,
  RunEvent,
  RunMode,
  RunStatus,
  TaskPriority,
  TaskStatus,
  ThreadStatus,
} from "../provider/client/schemas";
import { PROVIDER_KINDS, RESOURCE_KINDS, kindDescription } from "../provider/core";
import type { BothDoorsKind, FieldPolicy, ProviderKind, ResourceKind } from "../provider/core";

/** The repository's root: generated paths are relative to it. */
export const ROOT = path.join(__dirname, "..");

/** Schemas the client names: a field of one of these types is typed by its name. */
const NAMED = new Map<z.ZodType, string>([
  [Execution, "Execution"],
  [Metadata, "Metadata"],
  [RunEvent, "RunEvent"],
  [RunMode, "RunMode"],
  [RunStatus, "RunStatus"],
  [TaskPriority, "TaskPriority"],
  [TaskStatus, "TaskStatus"],
  [ThreadStatus, "ThreadStatus"],
]);

/** The parts of a zod schema's definition that the type's text needs. */
interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  entries?: Record<string, string>;
  values?: unknown[];
}

const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** A zod schema's type as TypeScript text; `wrap` wraps array elements (pulumi.Input). */
function tsType(schema: z.ZodType, wrap: (t: string) => string, names: Set<string>): string {
  const named = NAMED.get(schema);
  if (named) {
    names.add(named);
    return named;
  }
  const def = defOf(schema);
  switch (def.type) {
    case "optional":
    case "nullable":
    case "default":
      return tsType(def.innerType!, wrap, names);
    case "pipe":
      return tsType(def.in!, wrap, names);
    case "string":
    case "number":
    case "boolean":
    case "unknown":
      return def.type;
    case "enum":
      return Object.values(def.entries!)
        .map((v) => JSON.stringify(v))
        .join(" | ");
    case "literal":
      return def.values!.map((v) => JSON.stringify(v)).join(" | ");
    case "array": {
      const element = tsType(def.element!, wrap, names);
      return `${wrap(/[ |]/.test(element) ? `(${element})` : element)}[]`;
    }
    case "union":
      return [...new Set(def.options!.map((o) => tsType(o, wrap, names)))].join(" | ");
    default:
      return "Record<string, unknown>";
  }
}

/** The zod type of a property: the input's, the table's own, or the API object's. */
function fieldSchema(kind: ResourceKind, field: string, policy: FieldPolicy): z.ZodType {
  const shape = (policy.input ? kind.inputs.shape : kind.api.shape) as Record<string, z.ZodType>;
  const schema = policy.input ? shape[field] : (policy.type ?? shape[policy.apiName ?? field]);
  if (!schema) throw new Error(`reference: no type for ${kind.name}.${field}`);
  return schema;
}

/** The values of an enum type, as the schema's docs list them. */
function enumValues(schema: z.ZodType): string[] {
  const def = defOf(schema);
  if (def.type === "optional" || def.type === "nullable") return enumValues(def.innerType!);
  return def.type === "enum" ? Object.values(def.entries!) : [];
}

/** A field's doc, with its enum values, as the plugin's schema writes it. */
function docOf(kind: ResourceKind, field: string, policy: FieldPolicy): string {
  const values = enumValues(fieldSchema(kind, field, policy));
  return values.length > 0 ? `${policy.doc} One of: ${values.join(", ")}.` : policy.doc;
}

/** True when an output always has a value. */
const present = (p: FieldPolicy) => !!(p.required || p.present || p.default !== undefined);

/** The file name of a kind's generated files: `task-thread`. */
export const fileNameOf = (kind: ResourceKind) =>
  kind.name.replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase();

/** A doc comment, indented. */
const comment = (text: string, indent = "  ") => `${indent}/** ${text.replace(/\*\//g, "*\\/")} */`;

/** provider/dynamic/generated/<kind>.ts: the kind's args interface and declared outputs. */
export function typesFile(kind: BothDoorsKind): string {
  const names = new Set<string>();
  const input = (t: string) => `pulumi.Input<${t}>`;
  const args: string[] = [];
  const outputs: string[] = [];
  for (const [field, policy] of Object.entries(kind.fields)) {
    const doc = comment(docOf(kind, field, policy));
    const schema = fieldSchema(kind, field, policy);
    if (policy.input) {
      const optional = policy.required ? "" : "?";
      args.push(doc, `  ${field}${optional}: ${input(tsType(schema, input, names))};`);
    }
    const type = tsType(schema, (t) => t, names);
    const out = present(policy) ? type : `${type} | undefined`;
    outputs.push(doc, `  declare public readonly ${field}: pulumi.Output<${out}>;`);
  }
  const imports = [...names].sort();
  return [
    `// Generated by scripts/generate-reference.ts from the ${kind.name}'s field table and zod schemas: do not edit.`,
    `import * as pulumi from "@pulumi/pulumi";`,
    ...(imports.length
      ? [`import type { ${imports.join(", ")} } from "../../client/schemas";`]
      : []),
    "",
    `/** Inputs of a ${kind.name}: a field left unset is not managed (see the README). */`,
    `export interface ${kind.name}Args {`,
    ...args,
    "}",
    "",
    `/** The outputs of a ${kind.name} (\`${kind.dynamicToken}\`), one per field of its table. */`,
    `export abstract class ${kind.name}Outputs extends pulumi.dynamic.Resource {`,
    ...outputs,
    "}",
    "",
  ].join("\n");
}

/** How a change of an input is applied. */
function onChange(policy: FieldPolicy): string {
  if (policy.replaces) return "replaces";
  if (policy.inPlace) return policy.clearable ? "in place; cleared when unset" : "in place";
  return "state only";
}

/** Where an output's value comes from, in words. */
const SOURCES: Record<FieldPolicy["source"], string> = {
  api: "the API",
  state: "the program",
  call: "the create call",
  provider: "the provider",
};

/** A Markdown table cell. */
const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The inputs table and the outputs table of a kind. */
function fieldTables(kind: ResourceKind): string[] {
  const rows = Object.entries(kind.fields);
  const typeOf = (field: string, policy: FieldPolicy) =>
    `\`${cell(tsType(fieldSchema(kind, field, policy), (t) => t, new Set()))}\``;
  const inputs = rows
    .filter(([, p]) => p.input)
    .map(([f, p]) => {
      const notes = [
        p.required ? "required" : "",
        onChange(p),
        p.default !== undefined ? `default \`${p.default}\`` : "",
      ];
      return `| \`${f}\` | ${typeOf(f, p)} | ${notes.filter(Boolean).join("; ")} | ${cell(docOf(kind, f, p))} |`;
    });
  const outputs = rows
    .filter(([, p]) => !p.input)
    .map(
      ([f, p]) =>
        `| \`${f}\` | ${typeOf(f, p)} | ${SOURCES[p.source]} | ${cell(docOf(kind, f, p))} |`,
    );
  return [
    "**Inputs**",
    "",
    "| input | type | change | description |",
    "|---|---|---|---|",
    ...inputs,
    "",
    "**Outputs**: every input, as recorded, and:",
    "",
    "| output | type | from | description |",
    "|---|---|---|---|",
    ...outputs,
  ];
}

/** docs/resources/<kind>.md: the kind's reference page. */
export function referencePage(kind: ResourceKind): string {
  return [
    `<!-- Generated by scripts/generate-reference.ts from provider/core/kinds.ts: do not edit. -->`,
    `# ${kind.name}`,
    "",
    kindDescription(kind),
    "",
    "| | dynamic resource (`pulumi-acp`) | provider plugin (`acp`) |",
    "|---|---|---|",
    ...(kind.doors === "plugin"
      ? [
          `| type token | none: the TypeScript class \`${kind.name}\` goes through the plugin | \`${kind.pluginToken}\` |`,
          `| import | ${kind.importId.form} | ${kind.importId.form} |`,
        ]
      : [
          `| type token | \`${kind.dynamicToken}\` | \`${kind.pluginToken}\` |`,
          `| import | ${"adoptExistingId" in kind.fields ? "`adoptExistingId`; " : ""}not \`pulumi import\` (pulumi/pulumi#16175) | \`pulumi import ${kind.pluginToken} NAME ID\`, ID: ${kind.importId.form} |`,
        ]),
    "",
    ...fieldTables(kind),
    "",
  ].join("\n");
}

/** The README's section of a kind, between its markers. */
export function readmeSection(kind: ResourceKind): string {
  return [
    ...fieldTables(kind),
    "",
    `Reference: [docs/resources/${fileNameOf(kind)}.md](docs/resources/${fileNameOf(kind)}.md).`,
  ].join("\n");
}

/** The plugin's resources in one list: each kind's inputs (with their policy) and outputs. */
export function pluginList(): string {
  return PROVIDER_KINDS.map((k) => {
    const kind = RESOURCE_KINDS[k];
    const rows = Object.entries(kind.fields);
    const inputs = rows
      .filter(([, p]) => p.input)
      .map(([f, p]) => {
        const notes = [p.required ? "required" : "", p.replaces ? "replaces" : ""].filter(Boolean);
        return notes.length ? `\`${f}\` (${notes.join("; ")})` : `\`${f}\``;
      });
    const outputs = rows.filter(([, p]) => !p.input).map(([f]) => `\`${f}\``);
    const page = `docs/resources/${fileNameOf(kind)}.md`;
    return `- [\`${kind.pluginToken}\`](${page}): inputs ${inputs.join(", ")}; outputs also ${outputs.join(", ")}.`;
  }).join("\n");
}

/** Replaces what stands between the markers of `name` in `text`. */
function between(text: string, name: string, body: string): string {
  const begin = `<!-- reference:${name}:begin -->`;
  const end = `<!-- reference:${name}:end -->`;
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md: no ${begin} ... ${end} markers`);
  return `${text.slice(0, from + begin.length)}\n${body}\n${text.slice(to)}`;
}

/** The README with every generated section regenerated; throws when markers are missing. */
export function readmeText(readme: string): string {
  let text = between(readme, "plugin", pluginList());
  for (const k of PROVIDER_KINDS) text = between(text, k, readmeSection(RESOURCE_KINDS[k]));
  return text;
}

/** Every generated file, by its path from the repository's root, as the generator writes it. */
export function generatedFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const k of PROVIDER_KINDS as ProviderKind[]) {
    const kind: ResourceKind = RESOURCE_KINDS[k];
    if (kind.doors !== "plugin") {
      files[`provider/dynamic/generated/${fileNameOf(kind)}.ts`] = typesFile(kind);
    }
    files[`docs/resources/${fileNameOf(kind)}.md`] = referencePage(kind);
  }
  files["README.md"] = readmeText(fs.readFileSync(path.join(ROOT, "README.md"), "utf8"));
  return files;
}
