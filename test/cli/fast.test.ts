/** The fast mode's settings and its fast-run file, without the engine. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseSprintArgs, UsageError } from "../../provider/cli/args";
import {
  FAST_ENV,
  fastEngineEnv,
  fastWanted,
  fastRunFileFor,
  fastRunFilePath,
  newFastRunId,
  readFastRunFile,
  removeFastRunFile,
  writeFastRunFile,
} from "../../provider/cli/fast";
import { removeEmptyCheckpointAttrs } from "../../provider/cli/recover";

describe("--fast, --no-fast and PULUMI_ACP_FAST", () => {
  it("parses the options of up and destroy, and refuses them where they mean nothing", () => {
    expect(parseSprintArgs("up", ["--fast"]).fast).toBe(true);
    expect(parseSprintArgs("destroy", ["--no-fast"]).fast).toBe(false);
    expect(parseSprintArgs("up", []).fast).toBeUndefined();
    expect(() => parseSprintArgs("up", ["--fast", "--no-fast"])).toThrow(
      new UsageError("--fast and --no-fast contradict each other: give one of them"),
    );
    expect(() => parseSprintArgs("preview", ["--fast"])).toThrow(
      /--fast applies to up and destroy only \(preview writes no state per task\): remove it/,
    );
  });

  it("takes the command line first, then the environment, then fast", () => {
    expect(fastWanted(undefined, {})).toBe(true);
    expect(fastWanted(undefined, { [FAST_ENV]: "" })).toBe(true);
    expect(fastWanted(undefined, { [FAST_ENV]: "0" })).toBe(false);
    expect(fastWanted(undefined, { [FAST_ENV]: "true" })).toBe(true);
    expect(fastWanted(undefined, { [FAST_ENV]: "1" })).toBe(true);
    expect(fastWanted(undefined, { [FAST_ENV]: "FALSE" })).toBe(false);
    expect(fastWanted(false, { [FAST_ENV]: "true" })).toBe(false);
    expect(fastWanted(true, {})).toBe(true);
    expect(() => fastWanted(undefined, { [FAST_ENV]: "yes please" })).toThrow(
      /PULUMI_ACP_FAST=yes please is not a switch: set it to false or 0/,
    );
  });

  it("gives the engine no intermediate checkpoints, and the provider the run id and marker", () => {
    expect(fastEngineEnv({ fast: false })).toEqual({});
    expect(fastEngineEnv({ fast: true, runId: "r", fastRunFile: "/m.json" })).toEqual({
      PULUMI_SKIP_CHECKPOINTS: "true",
      PULUMI_ACP_RUN_ID: "r",
      PULUMI_ACP_ADOPT_FILE: "/m.json",
    });
    // A default-mode run that continues an interrupted fast one keeps its checkpoints.
    expect(fastEngineEnv({ fast: false, runId: "r", fastRunFile: "/m.json" })).toEqual({
      PULUMI_ACP_RUN_ID: "r",
      PULUMI_ACP_ADOPT_FILE: "/m.json",
    });
  });
});

describe("the fast-run marker file", () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "fast-marker-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("records the stack, the run and the time, and goes away when removed", () => {
    const file = fastRunFilePath(dir, "org/prod");
    expect(file).toBe(path.join(dir, ".pulumi", "fast-runs", "org%2Fprod.json"));
    expect(readFastRunFile(file)).toBeUndefined();
    const runId = newFastRunId();
    expect(runId).toMatch(/^[0-9a-f]{32}$/);
    expect(newFastRunId()).not.toBe(runId);
    const fastRun = fastRunFileFor({
      project: "pulumi-acp-sprint",
      stack: "org/prod",
      command: "up",
      runId,
      backend: "local state in .pulumi/state",
    });
    writeFastRunFile(file, fastRun);
    expect(readFastRunFile(file)).toEqual(fastRun);
    expect(fastRun.pid).toBe(process.pid);
    expect(Date.parse(fastRun.startedAt)).not.toBeNaN();
    removeFastRunFile(file);
    expect(fs.existsSync(file)).toBe(false);
  });

  it("refuses a file it did not write, saying what to do", () => {
    const file = fastRunFilePath(dir, "dev");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, "{ not json");
    expect(() => readFastRunFile(file)).toThrow(
      /the fast-run marker .*dev\.json cannot be read .*delete it and run `pulumi-acp refresh`/,
    );
  });
});

describe("the repair's checkpoint step", () => {
  it("removes only the empty .attrs side files a kill leaves, and says which", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fast-attrs-"));
    try {
      const stacks = path.join(dir, ".pulumi", "stacks", "pulumi-acp-sprint");
      fs.mkdirSync(stacks, { recursive: true });
      fs.writeFileSync(path.join(stacks, "dev.json.attrs"), "");
      fs.writeFileSync(path.join(stacks, "prod.json.attrs"), '{"Metadata":{}}');
      fs.writeFileSync(path.join(stacks, "dev.json"), "");
      expect(removeEmptyCheckpointAttrs(dir)).toEqual([
        path.join("pulumi-acp-sprint", "dev.json.attrs"),
      ]);
      expect(fs.readdirSync(stacks).sort()).toEqual(["dev.json", "prod.json.attrs"]);
      expect(removeEmptyCheckpointAttrs(path.join(dir, "none"))).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
