/**
 * The command's operations keep the Node SDK quiet: inside `withQuietSdk`, registering a
 * resource sends no debug line (each would be an RPC to the engine) and the SDK's promises carry
 * no stack trace; outside, both are back; PULUMI_ACP_SDK_DEBUG keeps the lines and
 * PULUMI_DEBUG_PROMISE_LEAKS the traces. The SDK's `debug` is replaced by a recorder for the
 * test, so what the SDK's own runtime logs is seen; its promises are read from its own
 * leak-candidate list.
 */
import * as pulumi from "@pulumi/pulumi";
import * as log from "@pulumi/pulumi/log";
import { Task } from "pulumi-acp";
import { sdkDebugWanted, withQuietSdk } from "../../provider/cli/sdk-log";

/* eslint-disable @typescript-eslint/no-require-imports -- SDK internals, on purpose */
const sdkState = require("@pulumi/pulumi/runtime/state") as {
  getStore(): { leakCandidates: Set<Promise<unknown> & { _debugStackTrace?: string }> };
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** The stack traces of every promise the SDK makes while `fn` runs, in order. */
async function tracesWhile(fn: () => Promise<void>): Promise<string[]> {
  const candidates = sdkState.getStore().leakCandidates;
  const add = candidates.add;
  const traces: string[] = [];
  candidates.add = (p) => {
    traces.push(p._debugStackTrace ?? "(none)");
    return add.call(candidates, p);
  };
  try {
    await fn();
  } finally {
    candidates.add = add;
  }
  return traces;
}

const sdkLog = log as unknown as { debug: typeof log.debug };
const original = sdkLog.debug;
let lines: string[] = [];

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    { newResource: (a) => ({ id: `${a.name}-id`, state: a.inputs }), call: () => ({}) },
    "proj",
    "stack",
    false,
  );
});

beforeEach(() => {
  lines = [];
  sdkLog.debug = (msg: string) => {
    lines.push(msg);
    return Promise.resolve();
  };
});

afterEach(() => {
  sdkLog.debug = original;
});

const valueOf = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

/** Registers a Task and waits until the SDK has registered it. */
async function register(name: string): Promise<void> {
  await valueOf(new Task(name, { title: name }).id);
}

describe("withQuietSdk", () => {
  it("registers resources without the SDK's debug lines, then puts them back", async () => {
    await withQuietSdk(() => register("inside"), {});
    expect(lines).toEqual([]);
    await register("outside");
    expect(lines.filter((l) => l.includes("name=outside")).length).toBeGreaterThanOrEqual(2);
  });

  it("puts them back when the operation fails", async () => {
    await expect(
      withQuietSdk(() => Promise.reject(new Error("engine failed")), {}),
    ).rejects.toThrow("engine failed");
    await register("after-failure");
    expect(lines.some((l) => l.includes("name=after-failure"))).toBe(true);
  });

  it("keeps them under PULUMI_ACP_SDK_DEBUG=1", async () => {
    await withQuietSdk(() => register("kept"), { PULUMI_ACP_SDK_DEBUG: "1" });
    expect(lines.some((l) => l.includes("name=kept"))).toBe(true);
  });

  /**
   * The stack traces of the SDK's promises made by a Task's registration: in its constructor
   * (which registers without traces of its own) and as the registration goes on after it.
   */
  async function tracesOfRegistration(name: string): Promise<string[]> {
    let task!: Task;
    const all = await tracesWhile(async () => {
      task = new Task(name, { title: name });
    });
    return all.concat(await tracesWhile(() => valueOf(task.id).then(() => undefined)));
  }
  const withTrace = (traces: string[]) => traces.filter((t) => /\n\s+at /.test(t));

  it("takes no stack trace for the SDK's promises inside, and restores the limit", async () => {
    const limit = Error.stackTraceLimit;
    // Outside, promises made as the registration goes on carry their trace.
    expect(withTrace(await tracesOfRegistration("traced-outside")).length).toBeGreaterThan(0);
    const inside = await withQuietSdk(() => tracesOfRegistration("traceless"), {});
    expect(inside.length).toBeGreaterThan(0);
    expect(withTrace(inside)).toEqual([]);
    expect(Error.stackTraceLimit).toBe(limit);
  });

  it("keeps the traces under PULUMI_DEBUG_PROMISE_LEAKS", async () => {
    const inside = await withQuietSdk(() => tracesOfRegistration("traced"), {
      PULUMI_DEBUG_PROMISE_LEAKS: "1",
    });
    expect(withTrace(inside).length).toBeGreaterThan(0);
  });

  it("reads PULUMI_ACP_SDK_DEBUG as 1 or true", () => {
    expect(sdkDebugWanted({ PULUMI_ACP_SDK_DEBUG: "true" })).toBe(true);
    expect(sdkDebugWanted({ PULUMI_ACP_SDK_DEBUG: " 1 " })).toBe(true);
    expect(sdkDebugWanted({ PULUMI_ACP_SDK_DEBUG: "0" })).toBe(false);
    expect(sdkDebugWanted({})).toBe(false);
  });
});
