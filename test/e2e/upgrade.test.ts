/**
 * Upgrading from the previous release: a stack whose state the previous release's dynamic
 * resources wrote (fixtures/previous-release, made from commit 5ac2319) shows no changes with
 * this release's code: no diff on preview, nothing on refresh and up, and no API call on preview.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { changesOf, E2E_TOKEN, e2eWorkDir, Harness } from "./harness";
import { previousReleaseProgram } from "./fixtures/previous-release/program";

jest.setTimeout(600_000);

const FIXTURE_DIR = path.join(__dirname, "fixtures", "previous-release");

describe("upgrading a stack made by the previous release", () => {
  let h: Harness;
  let storeDir: string;

  beforeAll(async () => {
    const fixture = JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, "state.json"), "utf8"));
    // The emulator starts from the store as the previous release left it.
    storeDir = e2eWorkDir("upgrade-store-");
    const dataFile = path.join(storeDir, "store.json");
    fs.copyFileSync(path.join(FIXTURE_DIR, "store.json"), dataFile);
    h = await Harness.create({
      program: previousReleaseProgram(fixture.adoptId),
      emulator: { dataFile },
      projectName: "acp-upgrade",
    });
    // The stack's provider config, as it was then: the same API and token.
    const deployment = JSON.stringify(fixture.deployment)
      .replaceAll("__ACP_BASE_URL__", h.baseUrl)
      .replaceAll("__ACP_TOKEN__", E2E_TOKEN);
    await h.stack.importStack(JSON.parse(deployment));
  });
  afterAll(async () => {
    await h?.cleanup();
    fs.rmSync(storeDir, { recursive: true, force: true });
  });

  it("shows no changes on preview, without a single API call", async () => {
    const tasksBefore = h.emulator.snapshot().tasks.length;
    expect(tasksBefore).toBe(6);
    h.emulator.resetStats();
    expect(changesOf((await h.preview()).summary)).toEqual({});
    expect(h.emulator.stats().totalRequests).toBe(0);
  });

  it("changes nothing on refresh and up", async () => {
    const before = h.emulator.snapshot();
    expect(changesOf((await h.refresh()).summary)).toEqual({});
    expect(changesOf((await h.preview()).summary)).toEqual({});
    h.emulator.resetStats();
    expect(changesOf((await h.up()).summary)).toEqual({});
    expect(h.emulator.log.filter((e) => e.method !== "GET")).toEqual([]);
    expect(h.emulator.snapshot().tasks).toEqual(before.tasks);
  });

  it("destroys what the previous release created", async () => {
    await h.destroy();
    expect(h.emulator.snapshot().tasks).toEqual([]);
  });
});
