/**
 * The fast run's run tag: added to the create request only under a run id, never seen in
 * outputs, refreshed inputs or diffs, and the adoption of the tasks a repair found. The Task
 * provider is called directly against an emulator on loopback (no engine).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createEmulator, type Emulator } from "../../emulator";
import { createIdempotencyKey, TaskProviderImpl } from "../../provider/core/task/provider";
import { TaskThreadProviderImpl } from "../../provider/core/task-thread/provider";
import {
  ADOPT_FILE_ENV,
  taggedMetadata,
  parseRunTag,
  RUN_ID_ENV,
  RUN_TAG_KEY,
  taskToAdopt,
  withoutProviderMetadata,
} from "../../provider/core/run-tag";

const RUN = "0123456789abcdef0123456789abcdef";
const KEY = "pulumi-acp-sprint/dev/sprint-api";

describe("the run tag's value", () => {
  it("is added to the create request's metadata only when a run id and a resource key are set", () => {
    const user = { team: "core", n: 1 };
    expect(taggedMetadata(user, KEY, {})).toBe(user);
    expect(taggedMetadata(user, undefined, { [RUN_ID_ENV]: RUN })).toBe(user);
    expect(taggedMetadata(user, KEY, { [RUN_ID_ENV]: "not-a-run-id" })).toBe(user);
    expect(taggedMetadata(user, KEY, { [RUN_ID_ENV]: RUN })).toEqual({
      team: "core",
      n: 1,
      [RUN_TAG_KEY]: `${RUN}/${KEY}`,
    });
    expect(user).toEqual({ team: "core", n: 1 });
    expect(taggedMetadata(undefined, KEY, { [RUN_ID_ENV]: RUN })).toEqual({
      [RUN_TAG_KEY]: `${RUN}/${KEY}`,
    });
  });

  it("is read back only in its own shape", () => {
    expect(parseRunTag({ [RUN_TAG_KEY]: `${RUN}/${KEY}` })).toEqual({ runId: RUN, key: KEY });
    for (const bad of [`${RUN}`, `${RUN}/`, `abc/${KEY}`, 42, null]) {
      expect(parseRunTag({ [RUN_TAG_KEY]: bad })).toBeUndefined();
    }
    expect(parseRunTag(undefined)).toBeUndefined();
    expect(parseRunTag({ team: "core" })).toBeUndefined();
  });

  it("is taken out of metadata, leaving the user's entries as they are", () => {
    const user = { team: "core" };
    expect(withoutProviderMetadata(user)).toBe(user);
    expect(withoutProviderMetadata({ ...user, [RUN_TAG_KEY]: `${RUN}/${KEY}` })).toEqual(user);
    expect(withoutProviderMetadata(undefined)).toBeUndefined();
  });

  it("names the tasks to adopt through a file, and says what to do when it cannot be read", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "run-marker-"));
    try {
      const file = path.join(dir, "dev.json");
      fs.writeFileSync(file, JSON.stringify({ adopt: { [KEY]: "task_1" } }));
      expect(taskToAdopt(KEY, { [ADOPT_FILE_ENV]: file })).toBe("task_1");
      expect(taskToAdopt("other/key", { [ADOPT_FILE_ENV]: file })).toBeUndefined();
      expect(taskToAdopt(KEY, {})).toBeUndefined();
      expect(() => taskToAdopt(KEY, { [ADOPT_FILE_ENV]: path.join(dir, "none.json") })).toThrow(
        /cannot read the repair's list of tasks to adopt .*run the pulumi-acp command again/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the Task provider under a fast run", () => {
  const token = "run-marker-test-token";
  let emulator: Emulator;
  let dir: string;
  const impl = new TaskProviderImpl();
  const saved = { ...process.env };

  beforeAll(async () => {
    emulator = createEmulator({ token });
    process.env.ACP_BASE_URL = await emulator.listen(0);
    process.env.ACP_API_TOKEN = token;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "run-marker-"));
  });
  afterEach(() => {
    delete process.env[RUN_ID_ENV];
    delete process.env[ADOPT_FILE_ENV];
  });
  afterAll(async () => {
    process.env = saved;
    await emulator.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const inputs = {
    title: "Build the API",
    metadata: { team: "core", layers: [1, 2] },
    __acpKey: KEY,
  };

  it("marks the task on the server only: outputs, refresh and diff show the user's metadata", async () => {
    process.env[RUN_ID_ENV] = RUN;
    const created = await impl.create(inputs);
    const onServer = emulator.snapshot().tasks.find((t) => t.id === created.id);
    expect(onServer?.metadata).toEqual({ ...inputs.metadata, [RUN_TAG_KEY]: `${RUN}/${KEY}` });
    expect(created.outs.metadata).toEqual(inputs.metadata);

    const read = await impl.read(created.id, created.outs);
    expect(read.props?.metadata).toEqual(inputs.metadata);
    expect(read.inputs?.metadata).toEqual(inputs.metadata);
    expect((await impl.diff(created.id, read.props as never, inputs as never)).changes).toBe(false);
  });

  it("sends exactly what earlier versions sent when no run id is set", async () => {
    emulator.resetStats();
    const plain = await impl.create({ ...inputs, title: "Plain" });
    const onServer = emulator.snapshot().tasks.find((t) => t.id === plain.id);
    expect(onServer?.metadata).toEqual(inputs.metadata);
    const body = emulator.log.at(-1)?.body as Record<string, unknown>;
    expect(body).toEqual({ title: "Plain", metadata: inputs.metadata });
    // The create key of an unmarked body is the one earlier versions computed.
    expect(createIdempotencyKey(KEY, body as never)).toBe(
      createIdempotencyKey(KEY, { title: "Plain", metadata: inputs.metadata }),
    );
  });

  it("adopts the task a repair found instead of creating another", async () => {
    const existing = await impl.create({ ...inputs, title: "Found" });
    const file = path.join(dir, "adopt.json");
    fs.writeFileSync(file, JSON.stringify({ adopt: { [`${KEY}-found`]: existing.id } }));
    process.env[ADOPT_FILE_ENV] = file;
    emulator.resetStats();
    const adopted = await impl.create({ ...inputs, title: "Found", __acpKey: `${KEY}-found` });
    expect(adopted.id).toBe(existing.id);
    expect(emulator.stats().requests["POST /v1/tasks"]).toBeUndefined();
    expect(adopted.outs.adoptExistingId).toBeUndefined();
    expect(adopted.outs.metadata).toEqual(inputs.metadata);
  });

  it("marks a run thread on the server only, and adopts the one a repair found instead of running the prompt again", async () => {
    process.env[RUN_ID_ENV] = RUN;
    const threads = new TaskThreadProviderImpl();
    const task = await impl.create({ title: "Has a thread" });
    const threadInputs = {
      taskId: task.id,
      mode: "run" as const,
      message: "Plan it",
      metadata: { why: "test" },
      __acpKey: `${KEY}-thread`,
    };
    const ran = await threads.create(threadInputs);
    expect(emulator.stats().requests["POST /v1/tasks/:taskId/run-thread"]).toEqual({ "201": 1 });
    const onServer = emulator.snapshot().threads.find((t) => t.id === ran.id);
    expect(onServer?.metadata).toEqual({ why: "test", [RUN_TAG_KEY]: `${RUN}/${KEY}-thread` });
    expect(ran.outs.metadata).toEqual({ why: "test" });
    const read = await threads.read(ran.id, ran.outs);
    expect(read.props?.metadata).toEqual({ why: "test" });
    expect(read.inputs?.metadata).toEqual({ why: "test" });

    const file = path.join(dir, "adopt-thread.json");
    fs.writeFileSync(file, JSON.stringify({ adopt: { [`${KEY}-thread`]: ran.id } }));
    process.env[ADOPT_FILE_ENV] = file;
    emulator.resetStats();
    const adopted = await threads.create(threadInputs);
    expect(adopted.id).toBe(ran.id);
    expect(emulator.stats().requests["POST /v1/tasks/:taskId/run-thread"]).toBeUndefined();
    expect(emulator.snapshot().threads.filter((t) => t.id === ran.id)).toHaveLength(1);
    expect(adopted.outs.metadata).toEqual({ why: "test" });
  });

  it("refuses the reserved key in a program's metadata, saying what to do", async () => {
    const { failures } = await impl.check({}, { title: "t", metadata: { [RUN_TAG_KEY]: "x" } });
    expect(failures).toEqual([
      {
        property: "metadata",
        reason: `the key ${RUN_TAG_KEY} is reserved for pulumi-acp's fast runs: rename it`,
      },
    ]);
  });
});
