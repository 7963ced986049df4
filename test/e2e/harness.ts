/**
 * End-to-end harness: a real Pulumi engine (the CLI built by scripts/ensure-pulumi) runs an
 * inline program whose resources talk to an emulator listening on loopback. Each harness has
 * its own emulator, state backend and PULUMI_HOME, and `cleanup()` removes all of them.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import {
  LocalWorkspace,
  type ConfigMap,
  type EngineEvent,
  type ProjectSettings,
  type PulumiFn,
  type Stack,
} from "@pulumi/pulumi/automation";
import { createEmulator, type Emulator, type EmulatorOptions } from "pulumi-acp/emulator";
import { localEngineEnv, localPulumiCommand, REPO_ROOT } from "../../provider/cli/engine";

/** Token the harness's emulators require; distinctive, so leaks are easy to find. */
export const E2E_TOKEN = `e2e-secret-${randomBytes(8).toString("hex")}`;

/** A resource of the exported state, loosely typed. */
export type StateResource = { type: string; urn: string; id?: string } & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * A fresh directory under test/e2e/.work: inside the repository, so that programs and the
 * provider process run there resolve pulumi-acp and @pulumi/pulumi from its node_modules.
 */
export function e2eWorkDir(prefix: string): string {
  const root = path.join(REPO_ROOT, "test", "e2e", ".work");
  fs.mkdirSync(root, { recursive: true });
  return fs.mkdtempSync(path.join(root, prefix));
}

/** The directory of the `pulumi` CLI that the jest global setup ensured. */
export function engineBinDir(): string {
  const binDir = process.env.PULUMI_ACP_BIN_DIR;
  if (!binDir)
    throw new Error("PULUMI_ACP_BIN_DIR is not set: the jest global setup ensures the engine");
  return binDir;
}

export interface HarnessOptions {
  /** The program to run; can be swapped later with `setProgram`. */
  program: PulumiFn;
  emulator?: EmulatorOptions;
  /** Extra stack config (`acp:baseUrl` and the secret `acp:token` are set by the harness). */
  config?: ConfigMap;
  /** Leave `acp:*` config unset (the provider then reads ACP_BASE_URL / ACP_API_TOKEN). */
  noAcpConfig?: boolean;
  /** Extra environment of the engine and the provider process. */
  envVars?: Record<string, string>;
  projectName?: string;
  /**
   * Declare the `acp` provider plugin in the project, as a user's Pulumi.yaml does
   * (`plugins: providers: [{ name: acp, path: node_modules/pulumi-acp/plugin }]`).
   */
  acpPlugin?: boolean;
}

/** The directory of the `acp` provider plugin in the installed package. */
export const ACP_PLUGIN_DIR = path.join(REPO_ROOT, "node_modules", "pulumi-acp", "plugin");

export interface OperationResult {
  outputs: Record<string, unknown>;
  summary: Record<string, number>;
  events: EngineEvent[];
  stdout: string;
}

export class Harness {
  private program: PulumiFn;
  readonly events: EngineEvent[] = [];

  private constructor(
    readonly emulator: Emulator,
    readonly baseUrl: string,
    readonly stack: Stack,
    readonly workDir: string,
    program: PulumiFn,
  ) {
    this.program = program;
  }

  /** Starts an emulator, creates a stack on a fresh local backend, and sets its config. */
  static async create(opts: HarnessOptions): Promise<Harness> {
    const emulator = createEmulator({ token: E2E_TOKEN, ...opts.emulator });
    const baseUrl = await emulator.listen(0);
    const workDir = e2eWorkDir("run-");
    const binDir = engineBinDir();
    const envVars = {
      ...localEngineEnv({
        backendDir: path.join(workDir, "state"),
        pulumiHome: path.join(workDir, "home"),
      }),
      ...opts.envVars,
    };
    // The stack's program calls whichever program the harness holds at the time.
    const self: { harness?: Harness } = {};
    const program: PulumiFn = () => (self.harness as Harness).program();
    const projectName = opts.projectName ?? "acp-e2e";
    const projectSettings = opts.acpPlugin
      ? // `plugins` is a Pulumi.yaml setting that the Automation API's type does not list.
        ({
          name: projectName,
          runtime: "nodejs",
          plugins: { providers: [{ name: "acp", path: ACP_PLUGIN_DIR }] },
        } as ProjectSettings)
      : undefined;
    const stack = await LocalWorkspace.createOrSelectStack(
      { projectName, stackName: "test", program },
      { workDir, envVars, projectSettings, pulumiCommand: await localPulumiCommand(binDir) },
    );
    const harness = new Harness(emulator, baseUrl, stack, workDir, opts.program);
    const config: ConfigMap = { ...opts.config };
    if (!opts.noAcpConfig) {
      config["acp:baseUrl"] = { value: baseUrl };
      config["acp:token"] = { value: E2E_TOKEN, secret: true };
    }
    if (Object.keys(config).length > 0) await stack.setAllConfig(config);
    self.harness = harness;
    return harness;
  }

  setProgram(program: PulumiFn): void {
    this.program = program;
  }

  /** Runs one engine operation, collecting its events into its result and into `events`. */
  private async operation(
    run: (onEvent: (e: EngineEvent) => void) => Promise<{
      stdout: string;
      summary: Record<string, number> | undefined;
      outputs?: Record<string, unknown>;
    }>,
  ): Promise<OperationResult> {
    const events: EngineEvent[] = [];
    const res = await run((e) => {
      events.push(e);
      this.events.push(e);
    });
    return { outputs: res.outputs ?? {}, summary: res.summary ?? {}, events, stdout: res.stdout };
  }

  up(): Promise<OperationResult> {
    return this.operation(async (onEvent) => {
      const res = await this.stack.up({ onEvent, parallel: 8 });
      const outputs = Object.fromEntries(Object.entries(res.outputs).map(([k, v]) => [k, v.value]));
      return { stdout: res.stdout, summary: res.summary.resourceChanges, outputs };
    });
  }

  preview(): Promise<OperationResult> {
    return this.operation(async (onEvent) => {
      const res = await this.stack.preview({ onEvent });
      return { stdout: res.stdout, summary: res.changeSummary };
    });
  }

  refresh(): Promise<OperationResult> {
    return this.operation(async (onEvent) => {
      const res = await this.stack.refresh({ onEvent });
      return { stdout: res.stdout, summary: res.summary.resourceChanges };
    });
  }

  destroy(): Promise<OperationResult> {
    return this.operation(async (onEvent) => {
      const res = await this.stack.destroy({ onEvent });
      return { stdout: res.stdout, summary: res.summary.resourceChanges };
    });
  }

  /** The state as `pulumi stack export` gives it. */
  async exportState(): Promise<{ text: string; resources: Array<StateResource> }> {
    const deployment = await this.stack.exportStack();
    const text = JSON.stringify(deployment);
    return {
      text,
      resources: (deployment.deployment?.resources ?? []) as Array<StateResource>,
    };
  }

  /**
   * The state file exactly as the engine stored it on disk (secrets encrypted), as opposed to
   * `exportState`, which the Automation API runs with secrets shown.
   */
  storedStateText(): string {
    const stacksDir = path.join(this.workDir, "state", ".pulumi", "stacks");
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name.endsWith(".json")) files.push(full);
      }
    };
    walk(stacksDir);
    if (files.length === 0) throw new Error(`no state file under ${stacksDir}`);
    return files.map((f) => fs.readFileSync(f, "utf8")).join("\n");
  }

  /**
   * Resources of one type in the exported state: the dynamic resources' (`acp:Task`) or the
   * plugin's (`acp:index:Task`).
   */
  async stateResources(
    type:
      | "acp:Task"
      | "acp:TaskThread"
      | "acp:Thread"
      | "acp:AgentRun"
      | "acp:index:Task"
      | "acp:index:TaskThread"
      | "acp:index:Thread"
      | "acp:index:AgentRun",
  ): Promise<Array<StateResource>> {
    const { resources } = await this.exportState();
    const token = type.startsWith("acp:index:") ? type : `pulumi-nodejs:dynamic/${type}`;
    return resources.filter((r) => r.type === token);
  }

  /** Tears everything down: stack, emulator, files. Safe to call twice. */
  async cleanup(): Promise<void> {
    try {
      await this.stack.workspace.removeStack(this.stack.name, { force: true });
    } catch {
      // already removed, or the engine never got that far
    }
    await this.emulator.close();
    fs.rmSync(this.workDir, { recursive: true, force: true });
  }
}

/** Counts of changes in an operation's summary, without the `same` entries. */
export function changesOf(summary: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(summary).filter(([k, v]) => k !== "same" && v > 0));
}
