/**
 * The command's operations leave out the Node SDK's debug lines: inside
 * `withoutSdkDebugLines`, registering a resource sends no debug line (each would be an RPC to
 * the engine), outside it does, and PULUMI_ACP_SDK_DEBUG keeps them. The SDK's `debug` is
 * replaced by a recorder for the test, so what the SDK's own runtime logs is seen.
 */
import * as pulumi from "@pulumi/pulumi";
import * as log from "@pulumi/pulumi/log";
import { Task } from "pulumi-acp";
import { sdkDebugWanted, withoutSdkDebugLines } from "../../provider/cli/sdk-log";

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

describe("withoutSdkDebugLines", () => {
  it("registers resources without the SDK's debug lines, then puts them back", async () => {
    await withoutSdkDebugLines(() => register("inside"), {});
    expect(lines).toEqual([]);
    await register("outside");
    expect(lines.filter((l) => l.includes("name=outside")).length).toBeGreaterThanOrEqual(2);
  });

  it("puts them back when the operation fails", async () => {
    await expect(
      withoutSdkDebugLines(() => Promise.reject(new Error("engine failed")), {}),
    ).rejects.toThrow("engine failed");
    await register("after-failure");
    expect(lines.some((l) => l.includes("name=after-failure"))).toBe(true);
  });

  it("keeps them under PULUMI_ACP_SDK_DEBUG=1", async () => {
    await withoutSdkDebugLines(() => register("kept"), { PULUMI_ACP_SDK_DEBUG: "1" });
    expect(lines.some((l) => l.includes("name=kept"))).toBe(true);
  });

  it("reads PULUMI_ACP_SDK_DEBUG as 1 or true", () => {
    expect(sdkDebugWanted({ PULUMI_ACP_SDK_DEBUG: "true" })).toBe(true);
    expect(sdkDebugWanted({ PULUMI_ACP_SDK_DEBUG: " 1 " })).toBe(true);
    expect(sdkDebugWanted({ PULUMI_ACP_SDK_DEBUG: "0" })).toBe(false);
    expect(sdkDebugWanted({})).toBe(false);
  });
});
