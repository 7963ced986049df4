/**
 * `npm start` / `npm run destroy`: the sprint of examples/sprint-from-file (or `--sprint FILE`)
 * deployed through the real Pulumi engine, against the embedded ACP emulator unless a real API
 * is configured. Usage:
 *
 *   node dist/scripts/main.js [up|preview|destroy] [--stack dev] [--sprint FILE]
 *                             [--base-url URL] [--home DIR]
 *
 * API: `--base-url URL` or ACP_BASE_URL, with the token in ACP_API_TOKEN (both handed to the
 * provider process in its environment, never written to the stack or its state). Without either, the emulator runs in this process with
 * its store in `<home>/.acp/emulator.json`, so tasks survive between runs as the state does.
 * State: `<home>/.pulumi/state` (a file backend), work dir `<home>/.pulumi/work`, where home is
 * `--home`, else ACP_MAIN_HOME, else the repository root; it must be inside the repository so
 * that the provider process finds pulumi-acp in node_modules.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, type PulumiFn } from "@pulumi/pulumi/automation";
import { parse as parseYaml } from "yaml";
import { createEmulator, type Emulator } from "../emulator";
import { loadSprintFile, SprintFileError } from "../provider/components/sprint-file";
import {
  describeChanges,
  ensurePulumi,
  LOCAL_EMULATOR_TOKEN,
  localEngineEnv,
  localPulumiCommand,
  oneLine,
  REPO_ROOT,
} from "./lib/local-engine";

const COMMANDS = ["up", "preview", "destroy"] as const;
type Command = (typeof COMMANDS)[number];

/** What the command line asks for. */
export interface MainOptions {
  command: Command;
  stack: string;
  sprintFile: string;
  baseUrl?: string;
  home: string;
}

const USAGE =
  "usage: node dist/scripts/main.js [up|preview|destroy] [--stack NAME] [--sprint FILE] [--base-url URL] [--home DIR]";

/** Parses argv (without node and the script). Throws on anything it does not know. */
export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): MainOptions {
  let command: Command = "up";
  const flags: Record<string, string> = {};
  const known = ["--stack", "--sprint", "--base-url", "--home"];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "-h" || arg === "--help") throw new Error(USAGE);
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (known.includes(name)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === "") throw new Error(`${name} needs a value. ${USAGE}`);
      flags[name] = value;
    } else if ((COMMANDS as readonly string[]).includes(arg) && i === 0) {
      command = arg as Command;
    } else {
      throw new Error(`unknown argument "${arg}". ${USAGE}`);
    }
  }
  const blank = (v: string | undefined) => (v === undefined || v.trim() === "" ? undefined : v);
  return {
    command,
    stack: flags["--stack"] ?? "dev",
    sprintFile: path.resolve(
      flags["--sprint"] ?? path.join(REPO_ROOT, "examples", "sprint-from-file", "sprint.yaml"),
    ),
    baseUrl: flags["--base-url"] ?? blank(env.ACP_BASE_URL),
    home: path.resolve(flags["--home"] ?? blank(env.ACP_MAIN_HOME) ?? REPO_ROOT),
  };
}

/** The project of the root Pulumi.yaml (name and description). */
function rootProject(): { name: string; description?: string } {
  const text = fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8");
  const doc = parseYaml(text) as { name?: string; description?: string };
  if (!doc?.name) throw new Error(`${path.join(REPO_ROOT, "Pulumi.yaml")} has no "name"`);
  return { name: doc.name, description: doc.description };
}

/**
 * The sprint program of examples/sprint-from-file. It is TypeScript that imports pulumi-acp
 * from node_modules (as a user's program does, so that Pulumi captures the providers by
 * reference); ts-node compiles it on load, without type checking, which `npm run build` and
 * the linters already do.
 */
function loadSprintProgram(sprintFile: string): PulumiFn {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tsNode = require("ts-node") as typeof import("ts-node");
  tsNode.register({ transpileOnly: true, project: path.join(REPO_ROOT, "tsconfig.json") });
  const entry = path.join(REPO_ROOT, "examples", "sprint-from-file", "index.ts");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(entry) as { sprintProgram: (file: string) => PulumiFn };
  return mod.sprintProgram(sprintFile);
}

/** Runs one command; returns the process exit code. Everything goes to stdout / stderr. */
export async function main(argv: string[]): Promise<number> {
  const started = Date.now();
  const opts = parseArgs(argv);
  const inRepo = path.relative(REPO_ROOT, opts.home);
  if (inRepo.startsWith("..") || path.isAbsolute(inRepo)) {
    throw new Error(
      `--home / ACP_MAIN_HOME must be inside the repository (${REPO_ROOT}), so that the provider process finds pulumi-acp in node_modules; got ${opts.home}`,
    );
  }
  // Fail on a bad sprint file before starting the engine, with every problem listed.
  if (opts.command !== "destroy") loadSprintFile(opts.sprintFile);

  const binDir = ensurePulumi();
  let emulator: Emulator | undefined;
  let baseUrl = opts.baseUrl;
  let token = process.env.ACP_API_TOKEN;
  try {
    if (baseUrl) {
      if (!token || token.trim() === "") {
        throw new Error(
          `a real API is configured (${baseUrl}) but ACP_API_TOKEN is not set: export the API token in ACP_API_TOKEN`,
        );
      }
      process.stdout.write(`ACP API: ${baseUrl}\n`);
    } else {
      const dataFile = path.join(opts.home, ".acp", "emulator.json");
      fs.mkdirSync(path.dirname(dataFile), { recursive: true });
      token = LOCAL_EMULATOR_TOKEN;
      emulator = createEmulator({ token, dataFile });
      baseUrl = await emulator.listen(0);
      process.stdout.write(
        `ACP API: embedded emulator at ${baseUrl} (store: ${path.relative(process.cwd(), dataFile) || dataFile})\n`,
      );
    }

    const project = rootProject();
    const stateDir = path.join(opts.home, ".pulumi");
    const workDir = path.join(stateDir, "work");
    fs.mkdirSync(workDir, { recursive: true });
    const stack = await LocalWorkspace.createOrSelectStack(
      {
        projectName: project.name,
        stackName: opts.stack,
        program: loadSprintProgram(opts.sprintFile),
      },
      {
        workDir,
        projectSettings: {
          name: project.name,
          runtime: "nodejs",
          description: project.description,
        },
        envVars: {
          ...localEngineEnv({
            backendDir: path.join(stateDir, "state"),
            pulumiHome: path.join(stateDir, "home"),
          }),
          // The provider process reads the API's address and token from its environment. Not
          // stack config: the engine copies config into the state's provider record, and
          // destroy, which does not run the program, would then call the previous run's port.
          ACP_BASE_URL: baseUrl,
          ACP_API_TOKEN: token,
        },
        pulumiCommand: await localPulumiCommand(binDir),
      },
    );
    // Config would win over the environment, and an older run may have set it.
    if ("acp:baseUrl" in (await stack.getAllConfig())) await stack.removeConfig("acp:baseUrl");
    process.stdout.write(
      `Stack ${project.name}/${opts.stack}: ${opts.command} of ${path.relative(process.cwd(), opts.sprintFile) || opts.sprintFile}\n\n`,
    );
    const onOutput = (out: string) => process.stdout.write(out);

    if (opts.command === "up") {
      const res = await stack.up({ onOutput });
      const outputs = res.outputs;
      const taskIds = (outputs.taskIds?.value ?? {}) as Record<string, string>;
      const threadIds = (outputs.threadIds?.value ?? {}) as Record<string, string>;
      process.stdout.write(`\n${describeChanges(res.summary.resourceChanges)}\n`);
      process.stdout.write(`\nTasks (${Object.keys(taskIds).length}):\n`);
      // In the sprint file's order (the engine returns the keys sorted).
      const keys = Object.keys(loadSprintFile(opts.sprintFile).tasks).filter((k) => taskIds[k]);
      const width = Math.max(0, ...keys.map((k) => k.length));
      for (const key of keys) {
        const id = taskIds[key];
        process.stdout.write(
          `  ${key.padEnd(width)}  ${id}${threadIds[key] ? `  (thread ${threadIds[key]})` : ""}\n`,
        );
      }
      process.stdout.write(
        `\nMermaid graph:\n\`\`\`mermaid\n${outputs.mermaid?.value ?? ""}\n\`\`\`\n`,
      );
    } else if (opts.command === "preview") {
      const res = await stack.preview({ onOutput });
      process.stdout.write(`\n${describeChanges(res.changeSummary)}\n`);
    } else {
      // Running the program configures the provider from this run's settings, even when the
      // state's provider record still holds an address from an older run.
      const res = await stack.destroy({ onOutput, runProgram: true });
      process.stdout.write(`\n${describeChanges(res.summary.resourceChanges)}\n`);
    }
    process.stdout.write(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
    return 0;
  } finally {
    // The store is written after every change, so closing loses nothing.
    await emulator?.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      // A sprint file's problems are one line each, already naming file, task and field.
      const lines = SprintFileError.isInstance(err) ? err.problems : [oneLine(err)];
      process.stderr.write(`\n${lines.map((l) => `error: ${l}`).join("\n")}\n`);
      process.exit(1);
    },
  );
}
