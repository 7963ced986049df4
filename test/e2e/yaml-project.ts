/**
 * A copy of examples/yaml-sprint in a work directory, and the `pulumi` CLI run in it (the YAML
 * language host and the `acp` plugin), as a user runs it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { localEngineEnv, REPO_ROOT } from "../../provider/cli/engine";
import { runChild, type ChildResult } from "./child";
import { e2eWorkDir, engineBinDir } from "./harness";

const EXAMPLE = path.join(REPO_ROOT, "examples", "yaml-sprint");

/** See the file's comment. */
export class YamlProject {
  readonly dir: string;
  private readonly env: NodeJS.ProcessEnv;

  /** `env`: extra engine settings (another backend, passphrase, PULUMI_HOME). */
  constructor(env: Record<string, string> = {}) {
    const root = e2eWorkDir("yaml-");
    // The example's plugin path (../../node_modules/pulumi-acp/plugin) holds in the copy too.
    this.dir = path.join(root, "examples", "yaml-sprint");
    fs.cpSync(EXAMPLE, this.dir, { recursive: true });
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(root, "node_modules"));
    this.env = {
      ...process.env,
      ...localEngineEnv({ backendDir: path.join(root, ".state") }),
      ...env,
      PATH: `${engineBinDir()}${path.delimiter}${process.env.PATH}`,
    };
    delete this.env.PULUMI_ACCESS_TOKEN;
    delete this.env.ACP_API_TOKEN;
    delete this.env.ACP_BASE_URL;
  }

  get root(): string {
    return path.dirname(path.dirname(this.dir));
  }

  run(...args: string[]): Promise<ChildResult> {
    return runChild("pulumi", [...args, "--non-interactive"], { cwd: this.dir, env: this.env });
  }

  async ok(...args: string[]): Promise<ChildResult> {
    const result = await this.run(...args);
    if (result.code !== 0) {
      throw new Error(
        `pulumi ${args.join(" ")} exited ${result.code}:\n${result.stdout}\n${result.stderr}`,
      );
    }
    return result;
  }

  /** Edits the program's text. */
  edit(change: (text: string) => string): void {
    const file = path.join(this.dir, "Pulumi.yaml");
    fs.writeFileSync(file, change(fs.readFileSync(file, "utf8")));
  }

  async outputs(): Promise<Record<string, unknown>> {
    return JSON.parse((await this.ok("stack", "output", "--json")).stdout);
  }

  cleanup(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
