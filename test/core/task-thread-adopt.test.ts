/**
 * A thread that a killed fast run started, found by the repair and adopted by the next create:
 * the run may have been killed between starting the thread and giving it its title, so the
 * adopted thread takes the declared title and metadata, and the next diff shows no change.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Emulator } from "../../emulator";
import type { AcpClient } from "../../provider/client";
import { providerCore } from "../../provider/core";
import { ADOPT_FILE_ENV } from "../../provider/core/run-tag";
import { emulatorForCore } from "./helpers";

const TOKEN = "adopt-thread-token";
const KEY = "proj/dev/kickoff";
let emulator: Emulator;
let client: AcpClient;
let close: () => Promise<void>;
let dir: string;

beforeAll(async () => {
  ({ emulator, api: client, close } = await emulatorForCore({ token: TOKEN }));
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "acp-adopt-"));
});
afterAll(async () => {
  delete process.env[ADOPT_FILE_ENV];
  fs.rmSync(dir, { recursive: true, force: true });
  await close();
});

/** A started thread with no title: what a run killed right after start-thread leaves. */
async function orphanThread(): Promise<{ taskId: string; threadId: string }> {
  const task = await client.tasks.create({ title: "kickoff" });
  const { thread } = await client.tasks.startThread(task.id as string, {});
  return { taskId: task.id as string, threadId: thread.id as string };
}

function adopt(threadId: string): void {
  const file = path.join(dir, `${threadId}.json`);
  fs.writeFileSync(file, JSON.stringify({ adopt: { [KEY]: threadId } }));
  process.env[ADOPT_FILE_ENV] = file;
}

describe("an adopted TaskThread", () => {
  it("takes the declared title and metadata, and then shows no change", async () => {
    const { taskId, threadId } = await orphanThread();
    adopt(threadId);
    const inputs = { taskId, title: "Kick-off", metadata: { owner: "team-a" } };
    const core = providerCore("taskThread");
    const created = await core.create(inputs as never, { resourceKey: KEY });

    expect(created.id).toBe(threadId);
    const stored = emulator.snapshot().threads.filter((t) => t.id === threadId);
    expect(stored).toHaveLength(1);
    expect(stored[0].title).toBe("Kick-off");
    expect(stored[0].metadata).toEqual({ owner: "team-a" });
    expect(emulator.stats().agentExecutions.runThread).toBe(0);
    const diff = await core.diff(threadId, created.outs, inputs as never);
    expect(diff.changes).toBe(false);
  });

  it("sends nothing more when the thread already matches", async () => {
    const { taskId, threadId } = await orphanThread();
    await client.threads.update(threadId, { title: "Ready" });
    adopt(threadId);
    emulator.resetStats();
    const created = await providerCore("taskThread").create({ taskId, title: "Ready" } as never, {
      resourceKey: KEY,
    });
    expect(created.id).toBe(threadId);
    expect(created.outs.title).toBe("Ready");
    const patches = Object.entries(emulator.stats().requests).filter(([k]) =>
      k.startsWith("PATCH"),
    );
    expect(patches).toEqual([]);
  });
});
