/**
 * What a command reads of the stack's last checkpoint before it runs: the pending operations of a
 * killed run, and the dynamic provider's recorded configuration. On the command's own file
 * backend the checkpoint is read from its file in this process; elsewhere (the user's backend)
 * through `pulumi stack export`. Asking the CLI costs a process start and the whole state
 * written out as JSON, on every command.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import type { Stack } from "@pulumi/pulumi/automation";

/** The parts of a deployment (the `latest` of a checkpoint, or an export's `deployment`) read here. */
export interface DeploymentView {
  resources?: Array<{ type: string; urn?: string; id?: string; inputs?: Record<string, unknown> }>;
  pending_operations?: Array<{ type?: string }>;
}

/**
 * The stack's checkpoint file in a DIY file backend (`<dir>/.pulumi/stacks/<project>/<stack>.json`,
 * gzipped as `.json.gz` when the backend compresses), or undefined when there is none.
 */
function checkpointFile(backendDir: string, project: string, stack: string): string | undefined {
  const base = path.join(backendDir, ".pulumi", "stacks", project, stack);
  return [`${base}.json`, `${base}.json.gz`].find((f) => fs.existsSync(f));
}

/**
 * The stack's last deployment. `localBackendDir`: the file backend the command keeps the state
 * in, read directly; otherwise, or when its file layout is not the one expected, the CLI exports it.
 */
export async function readDeployment(
  stack: Stack,
  where: { project: string; localBackendDir?: string },
): Promise<DeploymentView> {
  const file = where.localBackendDir
    ? checkpointFile(where.localBackendDir, where.project, stack.name)
    : undefined;
  if (file) {
    const raw = fs.readFileSync(file);
    const text = (file.endsWith(".gz") ? zlib.gunzipSync(raw) : raw).toString("utf8");
    const parsed = JSON.parse(text) as { checkpoint?: { latest?: DeploymentView } };
    if (parsed.checkpoint) return parsed.checkpoint.latest ?? {};
  }
  const exported = await stack.exportStack();
  return (exported.deployment ?? {}) as DeploymentView;
}

/** The dynamic providers' type: their record holds the whole stack config of its last update. */
const DYNAMIC_PROVIDER = "pulumi:providers:pulumi-nodejs";

/**
 * Whether a dynamic provider's record in the state holds a config key starting with `prefix`
 * (its inputs are the whole stack config of the last update that ran the program). A destroy
 * that does not run the program configures the provider from that record, whatever the
 * config says now.
 */
export function providerRecordHolds(deployment: DeploymentView, prefix: string): boolean {
  return (deployment.resources ?? []).some(
    (r) =>
      r.type === DYNAMIC_PROVIDER && Object.keys(r.inputs ?? {}).some((k) => k.startsWith(prefix)),
  );
}

/**
 * Whether a destroy must run the sprint program: only when `acp:` config is in play, in the
 * stack's config now (`configKeys`) or in the provider's record in the state. Running the
 * program configures the provider from the config of this run; without it, the engine uses the
 * record, and the command's provider reads the API's address and token from its environment,
 * which each run sets afresh. Running the program costs a registration per resource.
 */
export function destroyRunsProgram(configKeys: string[], deployment: DeploymentView): boolean {
  return (
    configKeys.some((k) => k.startsWith(ACP_CONFIG)) || providerRecordHolds(deployment, ACP_CONFIG)
  );
}

/** The provider's config namespace. */
const ACP_CONFIG = "acp:";

/** Creates of a killed default (not fast) run left pending in the state. */
export function pendingCreateCount(deployment: DeploymentView): number {
  return (deployment.pending_operations ?? []).filter((op) => op.type === "creating").length;
}
