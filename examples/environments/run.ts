/**
 * Runs the environments example: each stack named on the command line (default: dev and
 * staging) with its committed stack config, against one API.
 *
 *   npx ts-node --transpile-only examples/environments/run.ts [up|preview|destroy] [dev] [staging]
 *
 * The config of Pulumi.<stack>.yaml beside this file is copied into the stack on every run (the
 * work directory, not this folder, holds the stack files, so the local port never ends up in
 * the committed files). API and engine as in examples/shared/local.ts; the embedded emulator
 * keeps its store in .acp/environments.json. ENVIRONMENTS_HOME (inside the repository)
 * relocates .acp and .pulumi.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  LocalWorkspace,
  type ConfigMap,
  type LocalWorkspaceOptions,
} from "@pulumi/pulumi/automation";
import { parse as parseYaml } from "yaml";
import { environmentProgram } from "./index";
import {
  apiTarget,
  describeChanges,
  engineOptions,
  oneLine,
  REPO_ROOT,
  workDirFor,
} from "../shared/local";

/** The committed project and stack files of this example. */
const EXAMPLE_DIR = __dirname;

/** The project name in Pulumi.yaml. */
export function projectName(): string {
  const doc = parseYaml(fs.readFileSync(path.join(EXAMPLE_DIR, "Pulumi.yaml"), "utf8")) as {
    name: string;
  };
  return doc.name;
}

/** The `config:` of Pulumi.<stack>.yaml as an Automation API ConfigMap. */
export function stackConfig(stack: string): ConfigMap {
  const file = path.join(EXAMPLE_DIR, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    throw new Error(
      `no stack config for "${stack}": ${file} does not exist (stacks: dev, staging)`,
    );
  }
  const doc = parseYaml(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> };
  return Object.fromEntries(
    Object.entries(doc.config ?? {}).map(([k, v]) => [k, { value: String(v) }]),
  );
}

/** One environment's run: stack name and the engine's change counts (without `same`). */
export interface EnvironmentResult {
  stack: string;
  changes: Record<string, number>;
  taskIds: Record<string, string>;
}

/** Options of {@link runEnvironments}. */
export interface RunEnvironmentsOptions {
  command: "up" | "preview" | "destroy";
  stacks: string[];
  /** The API (`apiTarget()`); the caller closes it. */
  api: { baseUrl: string; token: string };
  /** Engine settings (`engineOptions()`). */
  engine: Pick<LocalWorkspaceOptions, "envVars" | "pulumiCommand">;
  /** Work directory root (inside the repository); one subdirectory per stack. */
  workRoot: string;
  onOutput?: (out: string) => void;
}

/** Runs the command on each stack in turn, with that stack's committed config. */
export async function runEnvironments(opts: RunEnvironmentsOptions): Promise<EnvironmentResult[]> {
  const results: EnvironmentResult[] = [];
  for (const name of opts.stacks) {
    const config = stackConfig(name);
    const stack = await LocalWorkspace.createOrSelectStack(
      { projectName: projectName(), stackName: name, program: environmentProgram() },
      {
        workDir: workDirFor(path.join(opts.workRoot, name)),
        pulumiCommand: opts.engine.pulumiCommand,
        // Address and token go to the provider process in its environment, not in the stack
        // config (which the engine copies into the state, so a destroy would use an old port).
        envVars: {
          ...opts.engine.envVars,
          ACP_BASE_URL: opts.api.baseUrl,
          ACP_API_TOKEN: opts.api.token,
        },
      },
    );
    await stack.setAllConfig(config);
    const onOutput = opts.onOutput;
    let changes: Record<string, number> | undefined;
    let taskIds: Record<string, string> = {};
    if (opts.command === "up") {
      const res = await stack.up({ onOutput });
      changes = res.summary.resourceChanges;
      taskIds = (res.outputs.taskIds?.value ?? {}) as Record<string, string>;
    } else if (opts.command === "preview") {
      changes = (await stack.preview({ onOutput })).changeSummary;
    } else {
      changes = (await stack.destroy({ onOutput })).summary.resourceChanges;
    }
    results.push({
      stack: name,
      changes: Object.fromEntries(
        Object.entries(changes ?? {}).filter(([k, v]) => k !== "same" && v > 0),
      ),
      taskIds,
    });
  }
  return results;
}

async function cli(argv: string[]): Promise<void> {
  const commands = ["up", "preview", "destroy"] as const;
  const command = (commands as readonly string[]).includes(argv[0])
    ? (argv.shift() as (typeof commands)[number])
    : "up";
  const stacks = argv.length > 0 ? argv : ["dev", "staging"];
  for (const s of stacks) stackConfig(s); // an unknown stack fails before anything runs
  const home = path.resolve(process.env.ENVIRONMENTS_HOME?.trim() || REPO_ROOT);
  const api = await apiTarget(path.join(home, ".acp", "environments.json"));
  try {
    const results = await runEnvironments({
      command,
      stacks,
      api,
      engine: await engineOptions(path.join(home, ".pulumi", "environments")),
      workRoot: path.join(home, ".pulumi", "environments", "work"),
      onOutput: (s) => process.stdout.write(s),
    });
    process.stdout.write("\n");
    for (const r of results) {
      process.stdout.write(`${r.stack}: ${describeChanges(r.changes)}\n`);
    }
  } finally {
    await api.close();
  }
}

if (require.main === module) {
  cli(process.argv.slice(2)).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`\nerror: ${oneLine(err)}\n`);
      process.exit(1);
    },
  );
}
