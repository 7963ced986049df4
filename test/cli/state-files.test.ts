/**
 * What the command reads and writes of its own file backend without the CLI: the stack's
 * checkpoint (pending creates, the dynamic provider's recorded config, whether a destroy runs the
 * program), its tags file (the fast-run record), and the record read that a fast run's start
 * reuses. The CLI stands in as a stub that counts its calls.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import type { Stack } from "@pulumi/pulumi/automation";
import {
  BackendFastRun,
  FAST_RUN_TAG,
  RECORD_FRESH_MS,
  recordOf,
} from "../../provider/cli/fast-record";
import { fastRunFileFor, newFastRunId } from "../../provider/cli/fast";
import { fileTags, stackTags } from "../../provider/cli/stack-tags";
import {
  destroyRunsProgram,
  pendingCreateCount,
  providerRecordHolds,
  readDeployment,
  type DeploymentView,
} from "../../provider/cli/state-read";
import { StackLockedError } from "../../provider/cli/state-lock";

const PROJECT = "pulumi-acp-sprint";

/** A stack whose CLI calls are counted; `tags` is what `pulumi stack tag ls` answers. */
function stubStack(tags: Record<string, string> = {}, exported: DeploymentView = {}) {
  const calls: string[] = [];
  const stack = {
    name: "dev",
    workspace: {
      listTags: async () => (calls.push("tag ls"), { ...tags }),
      setTag: async (_s: string, k: string, v: string) =>
        void (calls.push("tag set"), (tags[k] = v)),
      removeTag: async (_s: string, k: string) => void (calls.push("tag rm"), delete tags[k]),
    },
    exportStack: async () => (calls.push("export"), { version: 3, deployment: exported }),
  } as unknown as Stack;
  return { stack, calls, tags };
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "acp-state-files-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const stacksDir = () => path.join(dir, ".pulumi", "stacks", PROJECT);

describe("the stack's checkpoint", () => {
  const latest: DeploymentView = {
    resources: [
      { type: "pulumi:pulumi:Stack", urn: "urn:s" },
      { type: "pulumi:providers:pulumi-nodejs", urn: "urn:p", inputs: { "acp:baseUrl": "x" } },
    ],
    pending_operations: [{ type: "creating" }, { type: "updating" }, { type: "creating" }],
  };

  it("is read from the file backend's checkpoint file, plain or gzipped, without the CLI", async () => {
    fs.mkdirSync(stacksDir(), { recursive: true });
    const file = path.join(stacksDir(), "dev.json");
    fs.writeFileSync(file, JSON.stringify({ version: 3, checkpoint: { latest } }));
    const { stack, calls } = stubStack();
    const read = await readDeployment(stack, { project: PROJECT, localBackendDir: dir });
    expect(read).toEqual(latest);
    expect(pendingCreateCount(read)).toBe(2);
    fs.rmSync(file);
    fs.writeFileSync(`${file}.gz`, zlib.gzipSync(JSON.stringify({ checkpoint: { latest } })));
    expect(await readDeployment(stack, { project: PROJECT, localBackendDir: dir })).toEqual(latest);
    expect(calls).toEqual([]);
  });

  it("comes from `pulumi stack export` on another backend, or when there is no file", async () => {
    const { stack, calls } = stubStack({}, latest);
    expect(await readDeployment(stack, { project: PROJECT })).toEqual(latest);
    expect(await readDeployment(stack, { project: PROJECT, localBackendDir: dir })).toEqual(latest);
    expect(calls).toEqual(["export", "export"]);
  });

  it("says whether a destroy runs the program: only with acp config now or in the provider's record", () => {
    const none: DeploymentView = {
      resources: [{ type: "pulumi:providers:pulumi-nodejs", inputs: { "other:key": "1" } }],
    };
    expect(providerRecordHolds(latest, "acp:")).toBe(true);
    expect(providerRecordHolds(none, "acp:")).toBe(false);
    expect(destroyRunsProgram([], none)).toBe(false);
    expect(destroyRunsProgram(["other:key"], {})).toBe(false);
    expect(destroyRunsProgram(["acp:token"], none)).toBe(true);
    expect(destroyRunsProgram([], latest)).toBe(true);
  });
});

describe("the tags file of the command's own file backend", () => {
  it("keeps the CLI's format, replaces the storage metadata, and goes with the last tag", async () => {
    fs.mkdirSync(stacksDir(), { recursive: true });
    const file = path.join(stacksDir(), "dev.pulumi-tags");
    fs.writeFileSync(file, JSON.stringify({ version: 1, tags: { team: "web" } }));
    fs.writeFileSync(`${file}.attrs`, "{}");
    const { stack, calls } = stubStack();
    const tags = stackTags(stack, { project: PROJECT, localBackendDir: dir });
    await tags.set("a", "1");
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual({
      version: 1,
      tags: { team: "web", a: "1" },
    });
    expect(fs.existsSync(`${file}.attrs`)).toBe(false);
    expect(await tags.list()).toEqual({ team: "web", a: "1" });
    await tags.remove("team");
    await tags.remove("a");
    expect(fs.existsSync(file)).toBe(false);
    expect(await tags.list()).toEqual({});
    expect(calls).toEqual([]);
  });

  it("refuses a tags file of another version, and uses the CLI without the stack's folder", async () => {
    const file = path.join(dir, "x.pulumi-tags");
    fs.writeFileSync(file, JSON.stringify({ version: 2, tags: {} }));
    await expect(fileTags(file).list()).rejects.toThrow(/unsupported stack tags version/);
    const { stack, calls } = stubStack({ k: "v" });
    expect(await stackTags(stack, { project: PROJECT, localBackendDir: dir }).list()).toEqual({
      k: "v",
    });
    expect(await stackTags(stack, { project: PROJECT }).list()).toEqual({ k: "v" });
    expect(calls).toEqual(["tag ls", "tag ls"]);
  });
});

describe("a fast run's start", () => {
  const where = { project: PROJECT, stack: "dev", backend: "b", clearLock: "pulumi cancel" };
  const fastRun = () =>
    fastRunFileFor({
      project: PROJECT,
      stack: "dev",
      command: "up",
      runId: newFastRunId(),
      backend: "b",
    });

  it("reuses the record read a moment before", async () => {
    const { stack, calls } = stubStack();
    const run = new BackendFastRun(stack, where, () => undefined);
    expect(await run.interrupted("up", undefined, () => undefined)).toBeUndefined();
    const mine = fastRun();
    await run.begin(mine);
    expect(calls).toEqual(["tag ls", "tag set"]);
    await run.end(mine.runId);
    expect(calls).toEqual(["tag ls", "tag set", "tag ls", "tag rm"]);
  });

  it("reads again after a pause, and a live run recorded meanwhile holds the stack", async () => {
    const { stack, calls, tags } = stubStack();
    const run = new BackendFastRun(stack, where, () => undefined);
    await run.interrupted("up", undefined, () => undefined);
    // Another live process of this host (this process's parent) started a run meanwhile.
    tags[FAST_RUN_TAG] = JSON.stringify({ ...recordOf(fastRun()), pid: process.ppid });
    const later = Date.now() + RECORD_FRESH_MS;
    await expect(run.begin(fastRun(), later)).rejects.toThrow(StackLockedError);
    expect(calls).toEqual(["tag ls", "tag ls"]);
  });
});
