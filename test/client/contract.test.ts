/**
 * Contract tests of the client against a target: always the emulator, and also a real ACP
 * endpoint when ACP_LIVE_BASE_URL and ACP_LIVE_TOKEN are set (ACP_LIVE_PROJECT_ID optional:
 * the project the test tasks go into). Only free operations are used (no agent runs), and
 * every task created is deleted afterwards.
 */
import { createEmulator } from "../../emulator";
import {
  AcpClient,
  ConflictError,
  NotFoundError,
  ValidationError,
  type Task,
} from "../../provider/client";
import { SECRET_TOKEN } from "./helpers";

interface Target {
  name: string;
  /** Builds the client; returns a cleanup. */
  start(): Promise<{ client: AcpClient; stop(): Promise<void> }>;
  projectId?: string;
}

const targets: Target[] = [
  {
    name: "emulator",
    async start() {
      const emulator = createEmulator({ token: SECRET_TOKEN });
      const baseUrl = await emulator.listen(0);
      const client = new AcpClient({ baseUrl, token: SECRET_TOKEN, retryBaseDelayMs: 5 });
      return {
        client,
        async stop() {
          await client.close();
          await emulator.close();
        },
      };
    },
  },
];

const liveBaseUrl = process.env.ACP_LIVE_BASE_URL;
const liveToken = process.env.ACP_LIVE_TOKEN;
if (liveBaseUrl && liveToken) {
  targets.push({
    name: `live ${new URL(liveBaseUrl).host}`,
    projectId: process.env.ACP_LIVE_PROJECT_ID || undefined,
    async start() {
      const client = new AcpClient({ baseUrl: liveBaseUrl, token: liveToken });
      return { client, stop: () => client.close() };
    },
  });
} else {
  console.log("live ACP contract tests skipped: set ACP_LIVE_BASE_URL and ACP_LIVE_TOKEN");
}

describe.each(targets)("ACP contract: $name", (target) => {
  let client: AcpClient;
  let stop: () => Promise<void>;
  const created: string[] = [];
  const run = `contract-${Date.now().toString(36)}`;

  const createTask = async (
    title: string,
    extra: Omit<Parameters<AcpClient["tasks"]["create"]>[0], "title"> = {},
  ) => {
    const task = await client.tasks.create({
      title: `${run} ${title}`,
      ...(target.projectId ? { projectId: target.projectId } : {}),
      ...extra,
    });
    created.push(task.id!);
    return task;
  };

  beforeAll(async () => {
    ({ client, stop } = await target.start());
  });

  afterAll(async () => {
    // Dependents first: delete in reverse creation order; a 404 means already gone.
    for (const id of created.reverse()) {
      await client.tasks.delete(id).catch((e: unknown) => {
        if (!NotFoundError.isInstance(e)) throw e;
      });
    }
    await stop();
  });

  it("create → retrieve → update → list → delete round trip", async () => {
    const task = await createTask("round trip", {
      priority: "medium",
      metadata: { suite: "contract" },
    });
    expect(task.id).toEqual(expect.any(String));
    expect(task.title).toBe(`${run} round trip`);
    expect(task.priority).toBe("medium");

    const read = await client.tasks.retrieve(task.id!);
    expect(read.id).toBe(task.id);
    expect(read.metadata).toEqual({ suite: "contract" });

    const updated = await client.tasks.update(task.id!, {
      priority: "urgent",
      description: "changed",
    });
    expect(updated.priority).toBe("urgent");
    expect((await client.tasks.retrieve(task.id!)).description).toBe("changed");

    const found: Task[] = [];
    for await (const t of client.tasks.listAll({
      ...(target.projectId ? { projectId: target.projectId } : {}),
      limit: 50,
    })) {
      if (t.id === task.id) found.push(t);
    }
    expect(found).toHaveLength(1);

    await client.tasks.delete(task.id!);
    await expect(client.tasks.retrieve(task.id!)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("an unknown task is a 404 NotFoundError", async () => {
    const err = (await client.tasks
      .retrieve(`task_does_not_exist_${run}`)
      .catch((e: unknown) => e)) as NotFoundError;
    expect(NotFoundError.isInstance(err)).toBe(true);
    expect(err.status).toBe(404);
  });

  it("start-thread is 409 blocked_by_dependencies until the dependency is done, then 409 already_started", async () => {
    const dep = await createTask("dependency");
    const task = await createTask("dependent", { dependencyIds: [dep.id!] });
    const blocked = (await client.tasks
      .startThread(task.id!)
      .catch((e: unknown) => e)) as ConflictError;
    expect(ConflictError.isInstance(blocked)).toBe(true);
    expect(blocked.reason).toBe("blocked_by_dependencies");

    await client.tasks.update(dep.id!, { status: "done" });
    const started = await client.tasks.startThread(task.id!);
    expect(started.thread.id).toEqual(expect.any(String));
    const linked = await client.tasks.retrieve(task.id!);
    expect(linked.linkedThreadIds).toContain(started.thread.id);

    const again = (await client.tasks
      .startThread(task.id!)
      .catch((e: unknown) => e)) as ConflictError;
    expect(ConflictError.isInstance(again)).toBe(true);
    expect(again.reason).toBe("already_started");
  });

  it("deleting a task others depend on is a 409 has_dependents", async () => {
    const dep = await createTask("depended on");
    await createTask("depends", { dependencyIds: [dep.id!] });
    const err = (await client.tasks.delete(dep.id!).catch((e: unknown) => e)) as ConflictError;
    expect(ConflictError.isInstance(err)).toBe(true);
    expect(err.reason).toBe("has_dependents");
  });

  it("an unknown dependency id is a validation error", async () => {
    const err = await client.tasks
      .create({ title: `${run} bad dep`, dependencyIds: [`task_missing_${run}`] })
      .catch((e: unknown) => e);
    expect(ValidationError.isInstance(err)).toBe(true);
    expect([400, 422]).toContain((err as ValidationError).status);
  });

  it("threads: create → retrieve → update → delete", async () => {
    const thread = await client.threads.create({ title: `${run} thread` });
    expect((await client.threads.retrieve(thread.id!)).title).toBe(`${run} thread`);
    expect((await client.threads.update(thread.id!, { title: `${run} renamed` })).title).toBe(
      `${run} renamed`,
    );
    await client.threads.delete(thread.id!);
    await expect(client.threads.retrieve(thread.id!)).rejects.toBeInstanceOf(NotFoundError);
  });
});
