// Before the engine suites (the "e2e" Jest project): make sure the Pulumi CLI and its Node.js
// and YAML language hosts exist, building them from Go modules on a fresh machine, so that the
// end-to-end suites drive the real engine. A missing engine fails the run.
import * as path from "node:path";
import { ensurePulumi } from "../provider/cli/engine";

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const binDir = ensurePulumi({ yaml: true });
  process.env.PULUMI_ACP_BIN_DIR = binDir;
  process.env.PATH = `${binDir}${path.delimiter}${process.env.PATH}`;
  process.stderr.write(`pulumi engine ready at ${binDir} (${Date.now() - started} ms)\n`);
}
