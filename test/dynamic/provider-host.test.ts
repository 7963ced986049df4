/**
 * The dynamic provider host (`@pulumi/pulumi/cmd/dynamic-provider`, the process the engine starts
 * for dynamic resources), driven over its gRPC interface as the engine drives it. Every check and
 * diff carries the serialized provider: the host must turn that text into a provider once per
 * process, not on every call, and our provider, loaded that way, must answer as its core does.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as installed from "pulumi-acp/providers/task";
import { implementation } from "pulumi-acp/runtime";

const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
/* eslint-disable @typescript-eslint/no-require-imports */
const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] }));
const structproto = require(
  require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [pulumiDir] }),
);
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
const provproto = require("@pulumi/pulumi/proto/provider_pb");
/* eslint-enable @typescript-eslint/no-require-imports */

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const URN = "urn:pulumi:stack::proj::pulumi-nodejs:dynamic/acp:Task::t";
const { DIFF_NONE, DIFF_SOME } = provproto.DiffResponse.DiffChanges;

/**
 * A provider whose text counts how often it is evaluated (in the host process's globals); its
 * check reports which evaluation made it and how many there have been.
 */
const COUNTING_PROVIDER = `
const evaluation = (globalThis.__evaluations = (globalThis.__evaluations || 0) + 1);
exports.handler = function () {
  return {
    check: async (olds, news) =>
      ({ inputs: Object.assign({}, news, { evaluation, evaluations: globalThis.__evaluations }) }),
    diff: async () => ({ changes: false }),
  };
};
`;

type Props = Record<string, unknown>;

/** The host process and a client of its gRPC server. */
interface Host {
  check(news: Props, olds?: Props): Promise<Props>;
  diff(olds: Props, news: Props): Promise<{ changes: number; replaces: string[] }>;
  stop(): void;
}

async function startHost(): Promise<Host> {
  const child: ChildProcess = spawn(
    process.execPath,
    [require.resolve("@pulumi/pulumi/cmd/dynamic-provider/index.js"), "127.0.0.1:1"],
    {
      cwd: REPO_ROOT,
      // As the command sets it (providerNodePath): the provider text requires pulumi-acp by name.
      env: { ...process.env, NODE_PATH: path.join(REPO_ROOT, "node_modules") },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.once("data", (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once("exit", (code) => reject(new Error(`the provider host exited with ${code}`)));
  });
  const client = new provrpc.ResourceProviderClient(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
  );
  const call = <T>(method: string, req: unknown) =>
    new Promise<T>((resolve, reject) =>
      client[method](req, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))),
    );
  // The engine configures a provider before anything else: with the stack's config (none here).
  const configure = new provproto.ConfigureRequest();
  configure.setArgs(structproto.Struct.fromJavaScript({}));
  await call("configure", configure);
  return {
    async check(news, olds = {}) {
      const req = new provproto.CheckRequest();
      req.setUrn(URN);
      req.setOlds(structproto.Struct.fromJavaScript(olds));
      req.setNews(structproto.Struct.fromJavaScript(news));
      const res = await call<{ getInputs(): { toJavaScript(): Props } }>("check", req);
      return res.getInputs().toJavaScript();
    },
    async diff(olds, news) {
      const req = new provproto.DiffRequest();
      req.setId("task_1");
      req.setUrn(URN);
      req.setOlds(structproto.Struct.fromJavaScript(olds));
      req.setNews(structproto.Struct.fromJavaScript(news));
      const res = await call<{ getChanges(): number; getReplacesList(): string[] }>("diff", req);
      return { changes: res.getChanges(), replaces: res.getReplacesList() };
    },
    stop() {
      client.close();
      child.kill("SIGKILL");
    },
  };
}

describe("the dynamic provider host", () => {
  let host: Host;
  beforeAll(async () => {
    host = await startHost();
  }, 30_000);
  afterAll(() => host?.stop());

  it("turns a serialized provider into a provider once per process, however many calls carry it", async () => {
    const news = { title: "Counted", __provider: COUNTING_PROVIDER };
    for (let i = 0; i < 25; i++) {
      expect(await host.check(news)).toMatchObject({ evaluation: 1, evaluations: 1 });
      expect((await host.diff(news, news)).changes).toBe(DIFF_NONE);
    }
    // Keyed by the text: another provider is evaluated once more, the first one not again.
    const other = { title: "Other", __provider: `${COUNTING_PROVIDER}\n// another` };
    expect(await host.check(other)).toMatchObject({ evaluation: 2, evaluations: 2 });
    expect(await host.check(news)).toMatchObject({ evaluation: 1, evaluations: 2 });
  });

  it("runs our serialized provider as its core answers, call after call", async () => {
    const text = (await pulumi.runtime.serializeFunction(() => installed, { allowSecrets: false }))
      .text;
    expect(text).toContain('require("pulumi-acp/providers/task")');
    const news = { title: "Hosted", priority: "high", __provider: text };
    const olds = {
      title: "Hosted",
      priority: "high",
      status: "backlog",
      managedFields: ["title", "priority"],
      __provider: text,
    };
    for (let i = 0; i < 10; i++) {
      expect(await host.check(news)).toEqual(news);
      expect(await host.diff(olds, news)).toEqual({ changes: DIFF_NONE, replaces: [] });
      expect(await host.diff(olds, { ...news, title: "Renamed" })).toEqual({
        changes: DIFF_SOME,
        replaces: [],
      });
      expect(await host.diff(olds, { ...news, projectId: "proj_2" })).toEqual({
        changes: DIFF_SOME,
        replaces: ["projectId"],
      });
    }
    const direct = await implementation("task").diff("task_1", olds, { ...news, projectId: "p" });
    expect(direct.replaces).toEqual(["projectId"]);
  });
});

describe("the dynamic runtime", () => {
  it("makes each kind's provider once per process: every call of the shims gets the same one", () => {
    const task = implementation("task");
    for (let i = 0; i < 10; i++) expect(implementation("task")).toBe(task);
    expect(implementation("thread")).not.toBe(task);
  });
});
