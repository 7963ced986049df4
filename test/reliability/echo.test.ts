/**
 * The token never leaks through the engine, even from a hostile server: the stack's
 * `acp:baseUrl` points at a proxy in front of the emulator that echoes the token it receives —
 * as it is, JSON-escaped, URL-encoded and in Base64 — in 2xx fields of the wrong type, 4xx and
 * 5xx error bodies, headers, a 3xx `Location` and a huge body cut mid-token. Every provider
 * operation of Task and TaskThread, through both front doors (the dynamic resources and the
 * `acp` plugin), fails under each echo, and the token is in none of the errors, the engine
 * events, `pulumi`'s stdout and stderr at the default verbosity, or the state.
 */
import * as fs from "node:fs";
import type { PulumiFn, Stack } from "@pulumi/pulumi/automation";
import { Task, TaskThread } from "pulumi-acp";
import { E2E_TOKEN, e2eWorkDir, Harness } from "../e2e/harness";
import { PluginResource } from "../e2e/plugin-programs";
import { ECHO_MODES, echoForms, startEchoProxy, type EchoProxy } from "./echo-proxy";
import { recordFigures } from "./figures";
import { cliStackExport, Haystacks, leaksIn, printLeaks } from "./haystacks";

jest.setTimeout(600_000);

/**
 * The token of this suite: the harness's, with characters that JSON-escaping and URL-encoding
 * change, so that each echoed form differs from the others.
 */
const TOKEN = `${E2E_TOKEN}"q\\/+&=%`;

/** Shortest piece of an echoed form searched for: a cut message may keep only part of it. */
const PIECE = 12;

/** Every form the proxy echoes, and every piece of one at least {@link PIECE} long. */
const NEEDLES = [
  ...new Set(
    Object.values(echoForms(TOKEN)).flatMap((form) =>
      Array.from({ length: form.length - PIECE + 1 }, (_, i) => form.slice(i, i + PIECE)),
    ),
  ),
];

/** Ids of the stack's tasks on the emulator, by resource name, once they exist. */
type TaskIds = Record<"design" | "build" | "p-design" | "p-build", string>;

/**
 * The stack's program: `edited` changes a title of a task and a thread of each door; `added`
 * declares a task and a thread of each door. Threads name their tasks by literal id (from `ids`,
 * once the tasks exist), and no task depends on another: a resource whose create or update fails
 * then leaves no dependent whose inputs the program could not resolve.
 */
function program(stage: Stage, ids?: TaskIds): PulumiFn {
  const title = (t: string) => (stage === "edited" ? `${t} (edited)` : t);
  const pluginTask = (name: string, args: Record<string, unknown>) =>
    new PluginResource("acp:index:Task", name, args);
  const pluginThread = (name: string, args: Record<string, unknown>) =>
    new PluginResource("acp:index:TaskThread", name, args);
  return async () => {
    new Task("design", { title: title("Design") });
    new Task("build", { title: "Build" });
    pluginTask("p-design", { title: title("Plugin design") });
    pluginTask("p-build", { title: "Plugin build" });
    if (!ids) return {};
    new TaskThread("design-thread", { taskId: ids.design, title: title("Design thread") });
    pluginThread("p-design-thread", { taskId: ids["p-design"], title: title("Plugin thread") });
    if (stage === "added") {
      new Task("extra", { title: "Extra" });
      new TaskThread("build-run", { taskId: ids.build, mode: "run", message: "Plan it" });
      pluginTask("p-extra", { title: "Plugin extra" });
      pluginThread("p-build-thread", { taskId: ids["p-build"] });
    }
    return {};
  };
}

type Stage = "base" | "edited" | "added";

/**
 * The engine operations run under each echo, between them every provider operation that calls
 * the API (check and diff do not: preview calls the API only to refresh, as refresh does).
 */
const OPERATIONS: Array<{
  name: string;
  stage: Stage;
  /** The API call the error names, with the resource. */
  call: RegExp;
  run: (stack: Stack, capture: ReturnType<Haystacks["capture"]>) => Promise<unknown>;
}> = [
  {
    name: "refresh (read)",
    stage: "base",
    call: /GET \/v1\/(tasks|threads)\//,
    run: (stack, capture) => stack.refresh(capture),
  },
  {
    name: "up after an edit (update)",
    stage: "edited",
    call: /PATCH \/v1\/(tasks|threads)\//,
    run: (stack, capture) => stack.up(capture),
  },
  {
    name: "up adding resources (create)",
    stage: "added",
    // A run thread's create first reads its task (the search for its own unfinished run).
    call: /(POST|GET) \/v1\/tasks/,
    run: (stack, capture) => stack.up(capture),
  },
  {
    name: "destroy (delete)",
    stage: "base",
    call: /DELETE \/v1\/(tasks|threads)\//,
    run: (stack, capture) => stack.destroy(capture),
  },
];

/** A resource of the stack as the engine names it in its messages: type, then name. */
const RESOURCE_NAMED =
  /(acp:index:|dynamic\/acp:)(Task|TaskThread) (design|build|design-thread|p-design|p-build|p-design-thread|extra|build-run|p-extra|p-build-thread) /;

describe("a server that echoes the token, through the engine", () => {
  let proxy: EchoProxy;
  let h: Harness;
  let tmpDir: string;
  const hay = new Haystacks();
  const failed: string[] = [];

  beforeAll(async () => {
    proxy = await startEchoProxy();
    // The engine's own log files, if any, go to TMPDIR: keep them where they are searched.
    tmpDir = e2eWorkDir("echo-tmp-");
    h = await Harness.create({
      program: program("base"),
      acpPlugin: true,
      emulator: { token: TOKEN },
      noAcpConfig: true,
      envVars: { TMPDIR: tmpDir },
      config: {
        "acp:baseUrl": { value: proxy.url },
        "acp:token": { value: TOKEN, secret: true },
        // Each echo fails at once rather than after retries that would echo the same.
        "acp:maxRetries": { value: "0" },
      },
    });
    proxy.target = h.baseUrl;
  });
  afterAll(async () => {
    await h?.cleanup();
    await proxy?.close();
    fs.rmSync(tmpDir, { recursive: true, force: true });
  });

  let ids: TaskIds;
  /** The stack's resources on the emulator: each task once, and the threads. */
  const expectWhole = () => {
    const { tasks, threads } = h.emulator.snapshot();
    for (const title of ["Design", "Build", "Plugin design", "Plugin build"]) {
      expect(tasks.filter((t) => t.title === title)).toHaveLength(1);
    }
    expect(threads.map((t) => t.title)).toEqual(
      expect.arrayContaining(["Design thread", "Plugin thread"]),
    );
  };

  it("creates the stack through the proxy while it passes requests through", async () => {
    await h.stack.up(hay.capture("clean up: tasks"));
    const idOf = (title: string) =>
      String(h.emulator.snapshot().tasks.find((t) => t.title === title)?.id);
    ids = {
      design: idOf("Design"),
      build: idOf("Build"),
      "p-design": idOf("Plugin design"),
      "p-build": idOf("Plugin build"),
    };
    h.setProgram(program("base", ids));
    await h.stack.up(hay.capture("clean up: threads"));
    expectWhole();
  });

  describe.each(Object.entries(ECHO_MODES))("%s", (label, mode) => {
    it.each(OPERATIONS.map((op) => [op.name, op] as const))(
      "fails %s, naming the resource and the call",
      async (name, op) => {
        h.setProgram(program(op.stage, ids));
        proxy.mode = mode;
        const before = proxy.echoed[mode] ?? 0;
        const message = await hay.failureOf(op.run(h.stack, hay.capture(`${label}: ${name}`)));
        proxy.mode = "passThrough";
        expect(proxy.echoed[mode] ?? 0).toBeGreaterThan(before);
        expect(message).not.toBe("");
        expect(message).toMatch(op.call);
        expect(message).toMatch(RESOURCE_NAMED);
        failed.push(`${label}: ${name}`);
      },
    );
  });

  it("leaves a stack that one up --refresh through the proxy makes whole again", async () => {
    proxy.mode = "passThrough";
    h.setProgram(program("base", ids));
    await h.stack.up({ refresh: true, ...hay.capture("reset") });
    expectWhole();
  });

  it("finds the token in none of the errors, events, output or state", async () => {
    hay.places["stored state"] = h.storedStateText();
    hay.places["pulumi stack export"] = cliStackExport(h);
    expect(hay.places["pulumi stack export"]).toContain('"deployment"');
    // Everything the harness's workspace holds: state, backups, history, PULUMI_HOME.
    hay.addFiles("file", h.workDir);
    hay.addFiles("engine log", tmpDir);
    // The haystacks are real: every operation failed with a message, and the token was taken
    // out of the messages that quoted what the server said.
    const modes = Object.keys(ECHO_MODES).length;
    expect(failed).toHaveLength(modes * OPERATIONS.length);
    expect(hay.errors).toHaveLength(modes * OPERATIONS.length);
    const redacted = hay.errors.filter((e) => e.includes("[redacted]")).length;
    expect(redacted).toBeGreaterThan(0);
    const { leaks, engineV9 } = leaksIn(hay.places, NEEDLES);
    printLeaks(hay.places, NEEDLES);
    recordFigures("echo", {
      echoModes: modes,
      operations: OPERATIONS.length,
      failedOperations: failed.length,
      errorsWithRedaction: redacted,
      echoedAnswers: proxy.echoed,
      needles: NEEDLES.length,
      placesSearched: Object.keys(hay.places).length,
      bytesSearched: hay.size(),
      leaksFound: leaks.length + engineV9.length,
      leaks: [...leaks, ...engineV9],
    });
    expect(hay.size()).toBeGreaterThan(1_000_000);
    expect(leaks).toEqual([]);
    expect(engineV9).toEqual([]);
  });
});
