/**
 * The plugin's detailed diff, pinned: the real plugin process (as the engine starts it) is
 * asked for a Sprint's Diff over gRPC with the SDK's own generated client, and its response
 * must carry the detailed diff by property path. `@pulumi/pulumi/provider`'s server sets none
 * itself (3.270 to 3.276): if an SDK upgrade renames the service's `diff`, the response's
 * `getDetaileddiffMap` / `setHasdetaileddiff` or the PropertyDiff kinds, this fails loudly.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..", "..");
const PLUGIN = path.join(ROOT, "plugin", "pulumi-resource-acp");
const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
/* eslint-disable @typescript-eslint/no-require-imports -- the SDK's own copies, as its server uses */
const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] }));
const services = require(path.join(pulumiDir, "proto", "provider_grpc_pb.js"));
const messages = require(path.join(pulumiDir, "proto", "provider_pb.js"));
const { Struct } = require(
  require.resolve("google-protobuf/google/protobuf/struct_pb.js", { paths: [pulumiDir] }),
);
/* eslint-enable @typescript-eslint/no-require-imports */

const URN = "urn:pulumi:dev::proj::acp:index:Sprint::q3";

let plugin: ChildProcess;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- generated gRPC client
let client: any;

beforeAll(async () => {
  plugin = spawn(PLUGIN, [], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<string>((resolve, reject) => {
    plugin.stdout!.once("data", (chunk: Buffer) => resolve(chunk.toString().trim()));
    plugin.once("exit", (code) => reject(new Error(`the plugin exited ${code}`)));
  });
  client = new services.ResourceProviderClient(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
  );
}, 60_000);

afterAll(() => {
  client?.close();
  plugin?.kill();
});

type DiffMap = {
  forEach(fn: (value: { getKind(): number; getInputdiff(): boolean }, key: string) => void): void;
};

/** A detailed diff map as plain data. */
function entries(map: DiffMap): Record<string, { kind: number; inputdiff: boolean }> {
  const out: Record<string, { kind: number; inputdiff: boolean }> = {};
  map.forEach((v, k) => (out[k] = { kind: v.getKind(), inputdiff: v.getInputdiff() }));
  return out;
}

/** The plugin's Diff of a Sprint whose recorded state is `olds` and program is `news`. */
function diff(olds: object, news: object) {
  const req = new messages.DiffRequest();
  req.setId("sprint-0123456789abcdef0123456789abcdef");
  req.setUrn(URN);
  req.setOlds(Struct.fromJavaScript(olds));
  req.setNews(Struct.fromJavaScript(news));
  return new Promise<{
    getChanges(): number;
    getHasdetaileddiff(): boolean;
    getDetaileddiffMap(): DiffMap;
    getReplacesList(): string[];
  }>((resolve, reject) =>
    client.diff(req, (err: Error | null, resp: never) => (err ? reject(err) : resolve(resp))),
  );
}

const recorded = {
  tasks: {
    design: { id: "task_1", fields: { title: "Design" } },
    build: { id: "task_2", fields: { title: "Build", priority: "low" }, dependsOn: ["design"] },
    old: { id: "task_3", fields: { title: "Old" } },
  },
  taskIds: { design: "task_1", build: "task_2", old: "task_3" },
  mermaid: "",
};

describe("the plugin's detailed diff", () => {
  it("reaches the engine by property path, with the protocol's kinds, replacing nothing", async () => {
    const resp = await diff(recorded, {
      tasks: {
        design: { title: "Design v2" },
        build: { title: "Build", priority: "high", dependsOn: ["design"] },
        fresh: { title: "Fresh" },
      },
    });
    const Kind = messages.PropertyDiff.Kind;
    expect(resp.getChanges()).toBe(messages.DiffResponse.DiffChanges.DIFF_SOME);
    expect(resp.getReplacesList()).toEqual([]);
    expect(resp.getHasdetaileddiff()).toBe(true);
    expect(entries(resp.getDetaileddiffMap())).toEqual({
      'tasks["design"].title': { kind: Kind.UPDATE, inputdiff: true },
      'tasks["build"].priority': { kind: Kind.UPDATE, inputdiff: true },
      'tasks["fresh"]': { kind: Kind.ADD, inputdiff: true },
      'tasks["old"]': { kind: Kind.DELETE, inputdiff: true },
    });
  });

  it("says no change, with an empty detailed diff, when only the dependencies' order differs", async () => {
    const resp = await diff(recorded, {
      tasks: {
        design: { title: "Design" },
        build: { title: "Build", priority: "low", dependsOn: ["design"] },
        old: { title: "Old" },
      },
    });
    expect(resp.getChanges()).toBe(messages.DiffResponse.DiffChanges.DIFF_NONE);
    expect(entries(resp.getDetaileddiffMap())).toEqual({});
  });
});
