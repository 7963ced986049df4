/** Installs the engine-floor provider (floor-src/) as the package `acp-bench-floor`. */
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * bench/node_modules: a node_modules folder of its own, so that `npm ci` at the root (which
 * prunes packages it does not know) leaves the floor alone, and so that Pulumi serializes the
 * floor provider by reference, exactly like pulumi-acp's.
 */
export const FLOOR_MODULES_DIR = path.join(__dirname, "node_modules");

/** Copies floor-src/ to bench/node_modules/acp-bench-floor (idempotent). */
export function installFloor(): void {
  const dst = path.join(FLOOR_MODULES_DIR, "acp-bench-floor");
  fs.mkdirSync(dst, { recursive: true });
  for (const file of ["index.js", "package.json"]) {
    fs.copyFileSync(path.join(__dirname, "floor-src", file), path.join(dst, file));
  }
}
