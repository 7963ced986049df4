// Before any suite: make sure the Pulumi CLI exists (building it from Go modules on a fresh
// machine) so that the end-to-end suites drive the real engine. A missing engine fails the run.
import * as path from "node:path";
import { ensurePulumi } from "../provider/cli/engine";

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const binDir = ensurePulumi();
  process.env.PULUMI_ACP_BIN_DIR = binDir;
  process.env.PATH = `${binDir}${path.delimiter}${process.env.PATH}`;
  process.stderr.write(`pulumi engine ready at ${binDir} (${Date.now() - started} ms)\n`);
}
