// Makes `require("pulumi-acp")` resolve inside this repository, as it does in a user's project.
// The serialized provider shim loads its implementation by package name at run time, and the
// example programs and end-to-end tests import the package by name.
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const link = path.join(root, "node_modules", "pulumi-acp");
try {
  if (fs.realpathSync(link) === root) process.exit(0);
  fs.rmSync(link, { recursive: true, force: true });
} catch {
  // no link yet
}
fs.mkdirSync(path.dirname(link), { recursive: true });
fs.symlinkSync(path.relative(path.dirname(link), root), link, "dir");
