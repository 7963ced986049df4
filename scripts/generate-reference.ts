/**
 * Writes what is generated from the registry of kinds (see ./reference.ts): the dynamic
 * resources' types, docs/resources/*.md and the README's reference sections. Run:
 * `npx ts-node --transpile-only scripts/generate-reference.ts`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { generatedFiles, ROOT } from "./reference";

for (const [file, text] of Object.entries(generatedFiles())) {
  fs.mkdirSync(path.dirname(path.join(ROOT, file)), { recursive: true });
  fs.writeFileSync(path.join(ROOT, file), text);
  process.stdout.write(`wrote ${file}\n`);
}
