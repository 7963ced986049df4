/**
 * Paid work is recorded as soon as the API has accepted it: a run thread whose follow-up
 * (setting its title) fails is raised as a partial create carrying the thread's id and outputs,
 * so the engine records it and the next up only sets the title — the agent ran once.
 */
import { createEmulator, type Emulator } from "../../emulator";
import { AcpClient } from "../../provider/client";
import { configureProvider, providerCore } from "../../provider/core";

const TOKEN = "paid-work-token";
let emulator: Emulator;
let client: AcpClient;

beforeAll(async () => {
  emulator = createEmulator({ token: TOKEN });
  const baseUrl = await emulator.listen(0);
  const config: Record<string, unknown> = {
    "acp:baseUrl": baseUrl,
    "acp:token": TOKEN,
    "acp:maxRetries": 0,
  };
  configureProvider((key) => config[key]);
  client = new AcpClient({ baseUrl, token: TOKEN, maxRetries: 0 });
});
afterAll(async () => {
  await client.close();
  await emulator.close();
});

describe("a run thread whose title cannot be set", () => {
  it("is recorded with its id and execution, and the next up sets the title without running again", async () => {
    const task = await client.tasks.create({ title: "work" });
    const inputs = { taskId: task.id, mode: "run", message: "do it", title: "Named run" };
    emulator.setFaults({ errorRate: 1, errorStatus: 500, routes: ["/v1/threads/"] });
    let caught: { id?: string; properties?: Record<string, unknown>; message?: string } = {};
    try {
      await providerCore("taskThread").create(inputs as never, { resourceKey: "p/s/run" });
    } catch (err) {
      caught = err as typeof caught;
    }
    expect(caught.message).toMatch(
      /the agent ran in thread thr_\w+ but its title could not be set/,
    );
    expect(caught.id).toMatch(/^thr_/);
    expect(caught.properties?.execution).toMatchObject({ success: true });
    expect(emulator.stats().agentExecutions.runThread).toBe(1);

    // The next up: the engine updates the partially created thread.
    emulator.setFaults(undefined);
    const core = providerCore("taskThread");
    const olds = { ...caught.properties } as never;
    const diff = await core.diff(caught.id as string, olds, inputs as never);
    expect(diff.replaces).toEqual([]);
    await core.update(caught.id as string, olds, inputs as never);
    expect(emulator.snapshot().threads.find((t) => t.id === caught.id)?.title).toBe("Named run");
    expect(emulator.stats().agentExecutions.runThread).toBe(1);
  });
});
