/**
 * Writes the `acp` plugin's package schema, generated from the code (provider/plugin/schema.ts),
 * to plugin/schema.json, the copy shipped beside `pulumi-resource-acp` for review and tools.
 * test/plugin/schema.test.ts fails while the copy is stale. Run:
 * `npx ts-node --transpile-only scripts/plugin-schema.ts`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { schemaText } from "../provider/plugin/schema";

const file = path.join(__dirname, "..", "plugin", "schema.json");
fs.writeFileSync(file, schemaText());
process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
