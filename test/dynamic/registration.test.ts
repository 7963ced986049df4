/**
 * Registering a dynamic resource skips the stack traces the Node SDK takes for its own promises
 * (shown only under PULUMI_DEBUG_PROMISE_LEAKS), and changes nothing else: the same outputs, the
 * same source position sent to the engine, errors with a stack, the stack trace limit restored.
 * Runs the installed package (node_modules/pulumi-acp, as programs load it) under Pulumi's mocks;
 * the promises are read from the SDK's own leak-candidate list.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { Task } from "pulumi-acp";

/* eslint-disable @typescript-eslint/no-require-imports -- SDK internals, on purpose */
const sdkState = require("@pulumi/pulumi/runtime/state") as {
  getStore(): { leakCandidates: Set<Promise<unknown> & { _debugStackTrace?: string }> };
};
/** The installed package's registration module: the one its Task uses. */
const { withInputsOnly } = require(
  path.join(
    path.dirname(require.resolve("pulumi-acp/package.json")),
    "dist/provider/dynamic/registration.js",
  ),
) as typeof import("../../provider/dynamic/registration");
/* eslint-enable @typescript-eslint/no-require-imports */

/** The inputs the engine received, by resource name (Pulumi's mocks record them). */
const received = new Map<string, Record<string, unknown>>();

/** A program that prints the source position the engine receives for one Task (argv[1]'s). */
const POSITION_PROGRAM = `
const pulumi = require("@pulumi/pulumi");
(async () => {
  await pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name, state: a.inputs }), call: () => ({}) }, "p", "s", false);
  const monitor = require("@pulumi/pulumi/runtime/settings").getMonitor();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    const pos = req.getSourceposition();
    process.stdout.write(pos ? pos.getUri() + ":" + pos.getLine() : "none");
    register(req, cb);
  };
  const { Task } = require(process.argv[1]);
  new Task("positioned", { title: "Positioned" });
})();
`;

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        received.set(args.name, args.inputs);
        return { id: `${args.name}-id`, state: { ...args.inputs, status: "todo" } };
      },
      call: () => ({}),
    },
    "proj",
    "stack",
    false,
  );
});

afterEach(() => {
  delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
});

/** The SDK's promises made while `fn` ran, with their debug stack traces. */
function promisesMadeBy(fn: () => void): string[] {
  const store = sdkState.getStore();
  const before = new Set(store.leakCandidates);
  fn();
  return [...store.leakCandidates]
    .filter((p) => !before.has(p))
    .map((p) => p._debugStackTrace ?? "(none)");
}

const valueOf = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

describe("registering a dynamic resource", () => {
  it("takes no stack trace for the SDK's promises, and resolves the same outputs", async () => {
    const limit = Error.stackTraceLimit;
    let task!: Task;
    const traces = promisesMadeBy(() => {
      task = new Task("quiet", { title: "Quiet", priority: "high" });
    });
    // Four per property: a Task registers every field of its table, its key and its provider.
    expect(traces.length).toBeGreaterThanOrEqual(4 * 22);
    expect(new Set(traces)).toEqual(new Set(["Error: "]));
    expect(Error.stackTraceLimit).toBe(limit);
    expect(await valueOf(task.title)).toBe("Quiet");
    expect(await valueOf(task.priority)).toBe("high");
    expect(await valueOf(task.id)).toBe("quiet-id");
  });

  it("still sends the engine the source position of the resource: the Task's super call", () => {
    // In a plain Node process, as programs run (jest's module sandbox keeps the frame of a
    // class's implicit constructor, which Node itself leaves out).
    const taskJs = path.join(
      path.dirname(require.resolve("pulumi-acp/package.json")),
      "dist/provider/dynamic/task.js",
    );
    const superLine =
      fs
        .readFileSync(taskJs, "utf8")
        .split("\n")
        .findIndex((l) => l.includes("super(")) + 1;
    expect(superLine).toBeGreaterThan(0);
    const out = execFileSync(process.execPath, ["-e", POSITION_PROGRAM, taskJs], {
      encoding: "utf8",
    });
    expect(out.trim()).toBe(`${pathToFileURL(taskJs)}:${superLine}`);
  });

  it("keeps the traces when PULUMI_DEBUG_PROMISE_LEAKS asks for them", () => {
    process.env.PULUMI_DEBUG_PROMISE_LEAKS = "1";
    const traces = promisesMadeBy(() => new Task("debugged", { title: "Debugged" }));
    expect(traces.length).toBeGreaterThanOrEqual(4 * 22);
    for (const trace of traces) expect(trace).toMatch(/\n\s+at /);
  });

  it("throws a registration error with its caller's stack, the limit restored", () => {
    const limit = Error.stackTraceLimit;
    let thrown: unknown;
    try {
      new Task("", { title: "No name" });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toMatch(/name/);
    expect((thrown as Error).stack).toMatch(/registration\.test\.ts/);
    expect(Error.stackTraceLimit).toBe(limit);
  });
});

describe("withInputsOnly", () => {
  const args = { title: "Lean", priority: "high" as const, dependencyIds: ["task_1"] };
  /** The inputs received for `name`, without its key (which names the resource). */
  const inputsOf = (name: string) => {
    const { __acpKey, ...inputs } = received.get(name) ?? {};
    expect(__acpKey).toBe(`proj/stack/${name}`);
    return inputs;
  };

  it("sends the engine the same inputs, with under a third of the SDK's promises", async () => {
    let full!: Task;
    let lean!: Task;
    const fullPromises = promisesMadeBy(() => {
      full = new Task("full", args);
    }).length;
    const leanPromises = promisesMadeBy(() => {
      lean = withInputsOnly(() => new Task("lean", args));
    }).length;
    expect(await valueOf(lean.id)).toBe("lean-id");
    expect(await valueOf(full.id)).toBe("full-id");
    expect(inputsOf("lean")).toEqual(inputsOf("full"));
    expect(inputsOf("lean")).toMatchObject(args);
    expect(leanPromises).toBeLessThan(fullPromises / 3);
    // The given inputs stay outputs; the fields the API adds are exposed on the full one only.
    expect(await valueOf(lean.priority)).toBe("high");
    expect(lean.status).toBeUndefined();
    expect(await valueOf(full.status)).toBe("todo");
  });

  it("exposes every output again after it returns, and after it throws", async () => {
    expect(() =>
      withInputsOnly(() => {
        throw new Error("declaring failed");
      }),
    ).toThrow("declaring failed");
    const after = new Task("after", { title: "After" });
    expect(await valueOf(after.status)).toBe("todo");
  });
});
