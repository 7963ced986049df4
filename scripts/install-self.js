// Installs this package into its own node_modules as a real copy (not a symlink), so that the
// example programs, the end-to-end tests and the benchmarks load `pulumi-acp` exactly as a
// user's project does: from a path under node_modules. That matters to Pulumi, which captures
// a provider loaded from node_modules by reference (`require("pulumi-acp/providers/task")`)
// and one loaded from anywhere else by value.
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const target = path.join(root, "node_modules", "pulumi-acp");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));

// Built beside the target, then swapped in with renames, so that a program or provider process
// loading the package at that moment finds the old copy or the new one, never a half-made one.
const staging = `${target}.staging-${process.pid}`;
const previous = `${target}.previous-${process.pid}`;
fs.rmSync(staging, { recursive: true, force: true });
fs.mkdirSync(staging, { recursive: true });
fs.copyFileSync(path.join(root, "package.json"), path.join(staging, "package.json"));
for (const entry of pkg.files) {
  const from = path.join(root, entry);
  if (fs.existsSync(from)) fs.cpSync(from, path.join(staging, entry), { recursive: true });
}
if (fs.existsSync(target)) fs.renameSync(target, previous);
fs.renameSync(staging, target);
fs.rmSync(previous, { recursive: true, force: true });

// Link the package's commands as npm does for a dependency, so `npx acp-emulator` works here.
const binDir = path.join(root, "node_modules", ".bin");
fs.mkdirSync(binDir, { recursive: true });
for (const [name, rel] of Object.entries(pkg.bin ?? {})) {
  const targetFile = path.join(target, rel);
  fs.chmodSync(targetFile, 0o755);
  const link = path.join(binDir, name);
  fs.rmSync(link, { force: true });
  fs.symlinkSync(path.relative(binDir, targetFile), link);
}
