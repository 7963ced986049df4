/**
 * The GitOps job: `preview` on a pull request, `up` on a push to main, for the sprint of a
 * sprint file. Exits non-zero on any failure, and with `--expect-no-changes` also when the
 * engine finds anything to change (the check that main has converged).
 *
 *   npx ts-node --transpile-only examples/gitops/gitops.ts preview|up
 *       [--stack dev] [--sprint examples/sprint-from-file/sprint.yaml] [--expect-no-changes]
 *
 * API: ACP_BASE_URL + ACP_API_TOKEN (CI: from a secret); without them an emulator embedded in
 * this process, its store in .acp/gitops.json. Engine: PULUMI_BACKEND_URL / PULUMI_ACCESS_TOKEN
 * select the installed CLI and that backend (CI); without them this repository's engine and a
 * file backend in .pulumi/gitops. GITOPS_HOME (inside the repository) relocates .acp and .pulumi.
 * With GITHUB_STEP_SUMMARY set, the change summary and the graph go to the job's summary.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { loadSprintFile } from "pulumi-acp";
import { sprintProgram } from "../sprint-from-file/index";
import {
  apiTarget,
  describeChanges,
  engineOptions,
  oneLine,
  REPO_ROOT,
  workDirFor,
} from "../shared/local";

/** Project name of the GitOps stacks. */
export const GITOPS_PROJECT = "pulumi-acp-gitops";

/** Options of one GitOps run. */
export interface GitopsOptions {
  command: "preview" | "up";
  stack: string;
  sprintFile: string;
  expectNoChanges: boolean;
}

/** What a run did: the engine's change counts (without `same`). */
export interface GitopsResult {
  changes: Record<string, number>;
  mermaid?: string;
}

const USAGE = "usage: gitops.ts preview|up [--stack NAME] [--sprint FILE] [--expect-no-changes]";

/** Parses the command line (without node and the script). */
export function parseGitopsArgs(argv: string[]): GitopsOptions {
  const [command, ...rest] = argv;
  if (command !== "preview" && command !== "up") throw new Error(USAGE);
  const opts: GitopsOptions = {
    command,
    stack: "dev",
    sprintFile: path.join(REPO_ROOT, "examples", "sprint-from-file", "sprint.yaml"),
    expectNoChanges: false,
  };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === "--expect-no-changes") opts.expectNoChanges = true;
    else if (arg === "--stack" && rest[i + 1]) opts.stack = rest[++i];
    else if (arg === "--sprint" && rest[i + 1]) opts.sprintFile = path.resolve(rest[++i]);
    else throw new Error(`unknown or incomplete argument "${arg}". ${USAGE}`);
  }
  return opts;
}

/** Runs one preview or up; throws on failure (including changes under `expectNoChanges`). */
export async function runGitops(opts: GitopsOptions): Promise<GitopsResult> {
  // A bad sprint file fails here, listing every problem, before the engine starts.
  loadSprintFile(opts.sprintFile);
  const home = path.resolve(process.env.GITOPS_HOME?.trim() || REPO_ROOT);
  const api = await apiTarget(path.join(home, ".acp", "gitops.json"));
  try {
    const engine = await engineOptions(path.join(home, ".pulumi", "gitops"));
    const stack = await LocalWorkspace.createOrSelectStack(
      {
        projectName: GITOPS_PROJECT,
        stackName: opts.stack,
        program: sprintProgram(opts.sprintFile),
      },
      {
        workDir: workDirFor(path.join(home, ".pulumi", "gitops", "work")),
        pulumiCommand: engine.pulumiCommand,
        // The API's address and token reach the provider process through its environment:
        // stack config would be copied into the state, where a later destroy would find an
        // embedded emulator's old port.
        envVars: { ...engine.envVars, ACP_BASE_URL: api.baseUrl, ACP_API_TOKEN: api.token },
      },
    );
    const onOutput = (s: string) => process.stdout.write(s);
    let changes: Record<string, number> | undefined;
    let mermaid: string | undefined;
    if (opts.command === "preview") {
      const res = await stack.preview({ onOutput, expectNoChanges: opts.expectNoChanges });
      changes = res.changeSummary;
    } else {
      const res = await stack.up({ onOutput, expectNoChanges: opts.expectNoChanges });
      changes = res.summary.resourceChanges;
      mermaid = res.outputs.mermaid?.value as string | undefined;
    }
    const summary = describeChanges(changes);
    process.stdout.write(`\n${opts.command} of ${GITOPS_PROJECT}/${opts.stack}: ${summary}\n`);
    if (process.env.GITHUB_STEP_SUMMARY) {
      fs.appendFileSync(
        process.env.GITHUB_STEP_SUMMARY,
        `### Sprint ${opts.command} (${opts.stack})\n\n${summary}\n\n` +
          (mermaid ? `\`\`\`mermaid\n${mermaid}\n\`\`\`\n` : ""),
      );
    }
    return {
      changes: Object.fromEntries(
        Object.entries(changes ?? {}).filter(([k, v]) => k !== "same" && v > 0),
      ),
      mermaid,
    };
  } finally {
    await api.close();
  }
}

if (require.main === module) {
  (async () => runGitops(parseGitopsArgs(process.argv.slice(2))))().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`\nerror: ${oneLine(err)}\n`);
      process.exit(1);
    },
  );
}
