/**
 * The API token never leaks: with the token as a secret in stack config, and with it in the
 * environment, it appears in no exported state, in no engine output or event at the highest
 * verbosity (stdout, stderr, the event stream, the engine's own log files), in no error
 * message, and nowhere the emulator records; and the client never sends Authorization to
 * another origin on a redirect, nor repeats a token the server echoes into an error.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { AcpClient, Task, TaskThread } from "pulumi-acp";
import { E2E_TOKEN, Harness } from "../e2e/harness";
import { recordFigures } from "./figures";
import { cliStackExport, filesUnder, Haystacks, leaksIn, printLeaks } from "./haystacks";

jest.setTimeout(600_000);

const program = async () => {
  const design = new Task("design", { title: "Design", priority: "high" });
  const build = new Task("build", { title: "Build", dependencyIds: [design.id] });
  const run = new TaskThread("run", { taskId: design.id, mode: "run", message: "Plan it" });
  return { ids: pulumi.all([design.id, build.id]), thread: run.id };
};

/** A program whose task names an unknown dependency: the API refuses it with a 422. */
const failingProgram = async () => {
  new Task("orphan", { title: "Orphan", dependencyIds: ["task_doesnotexist"] });
  return {};
};

describe.each([
  ["a secret in stack config", "config"],
  ["the environment (ACP_API_TOKEN)", "env"],
] as const)("the token in %s", (_label, where) => {
  let h: Harness;
  const wrongToken = `wrong-secret-${where}-4f1c9a7d2b`;
  const needles = [E2E_TOKEN, wrongToken];
  const hay = new Haystacks();
  const haystacks = hay.places;
  const verbose = { logVerbosity: 9, logFlow: true, debug: true };
  let tmpDir: string;

  beforeAll(async () => {
    const root = path.join(__dirname, "..", "e2e", ".work");
    fs.mkdirSync(root, { recursive: true });
    // The engine's own log files (glog) go to TMPDIR when not sent to stderr: keep them here.
    tmpDir = fs.mkdtempSync(path.join(root, "tmp-"));
    h = await Harness.create({
      program,
      noAcpConfig: where === "env",
      envVars: {
        TMPDIR: tmpDir,
        ...(where === "env" ? { ACP_API_TOKEN: E2E_TOKEN } : {}),
      },
    });
    if (where === "env") await h.stack.setConfig("acp:baseUrl", { value: h.baseUrl });
  });
  afterAll(async () => {
    await h?.cleanup();
    fs.rmSync(tmpDir, { recursive: true, force: true });
  });

  it("works with the token there (up, refresh, preview at verbosity 9)", async () => {
    await h.stack.up({ ...verbose, logToStdErr: true, ...hay.capture("up") });
    expect(h.emulator.snapshot().tasks).toHaveLength(2);
    expect(h.emulator.snapshot().threads).toHaveLength(1);
    // Not sent to stderr: the engine writes its log files to TMPDIR.
    await h.stack.refresh({ ...verbose, logToStdErr: false, ...hay.capture("refresh") });
    await h.stack.preview({ ...verbose, logToStdErr: true, ...hay.capture("preview") });
    // Below verbosity 9 the engine does not print provider configuration at all.
    await h.stack.preview({ ...verbose, logVerbosity: 8, logToStdErr: true, ...hay.capture("v8") });
    expect(leaksIn({ v8: haystacks["v8 stderr"] }, needles)).toEqual({ leaks: [], engineV9: [] });
    expect(haystacks["v8 stderr"].length).toBeGreaterThan(10_000);
    expect(Object.keys(filesUnder(tmpDir)).length).toBeGreaterThan(0);
  });

  it("keeps it out of a failing update's error (a 422 from the API)", async () => {
    h.setProgram(failingProgram);
    const message = await hay.failureOf(
      h.stack.up({ ...verbose, logToStdErr: true, ...hay.capture("failing up") }),
    );
    expect(message).toMatch(/task_doesnotexist/);
    h.setProgram(program);
  });

  it("keeps a wrong token out of the 401 error, which says where to fix it", async () => {
    if (where === "config") {
      await h.stack.setConfig("acp:token", { value: wrongToken, secret: true });
    } else {
      h.stack.workspace.envVars.ACP_API_TOKEN = wrongToken;
    }
    h.setProgram(async () => {
      new Task("late", { title: "Late" });
      return {};
    });
    const message = await hay.failureOf(
      h.stack.up({ ...verbose, logToStdErr: true, ...hay.capture("wrong token up") }),
    );
    expect(message).toMatch(/401/);
    expect(message).toMatch(/acp:token or ACP_API_TOKEN/);
    if (where === "config") {
      await h.stack.setConfig("acp:token", { value: E2E_TOKEN, secret: true });
    } else {
      h.stack.workspace.envVars.ACP_API_TOKEN = E2E_TOKEN;
    }
    h.setProgram(program);
    // destroy and refresh configure the provider from the state, which the failed up wrote
    // with the wrong token: an up with the fixed token records the right one (README).
    await h.stack.up({ ...verbose, logToStdErr: true, ...hay.capture("fixed token up") });
    expect(h.emulator.snapshot().tasks).toHaveLength(2);
  });

  it("finds the token in none of the state, output, events, logs, errors or emulator records", async () => {
    await h.stack.destroy({ ...verbose, logToStdErr: true, ...hay.capture("destroy") });
    expect(h.emulator.snapshot().tasks).toHaveLength(0);
    // The state as stored, and as `pulumi stack export` (without --show-secrets) prints it.
    haystacks["stored state"] = h.storedStateText();
    haystacks["pulumi stack export"] = cliStackExport(h);
    expect(haystacks["pulumi stack export"]).toContain('"deployment"');
    // Everything the harness's workspace holds: state, backups, history, PULUMI_HOME, logs.
    hay.addFiles("file", h.workDir);
    hay.addFiles("engine log", tmpDir);
    haystacks["emulator log"] = JSON.stringify(h.emulator.log);
    haystacks["emulator store"] = JSON.stringify(h.emulator.snapshot());
    haystacks["emulator stats"] = JSON.stringify(h.emulator.stats());
    // The haystacks are real: the operations above did log, at length.
    expect(haystacks["up stderr"].length).toBeGreaterThan(10_000);
    expect(h.emulator.log.length).toBeGreaterThan(5);
    const { leaks, engineV9 } = leaksIn(haystacks, needles);
    printLeaks(haystacks, needles);
    recordFigures(`secrets-${where}`, {
      placesSearched: Object.keys(haystacks).length,
      bytesSearched: hay.size(),
      leaksFound: leaks.length,
      leaks,
      engineV9ConfigureLines: engineV9.length,
    });
    expect(leaks).toEqual([]);
    // With the token in the environment it is not configuration: not even the engine sees it.
    if (where === "env") expect(engineV9).toEqual([]);
  });
});

describe("the client and a hostile or misconfigured server", () => {
  let api: http.Server;
  let other: http.Server;
  const seenByOther: http.IncomingHttpHeaders[] = [];
  let apiUrl: string;
  let otherUrl: string;
  const token = `redirect-secret-${Date.now().toString(36)}`;
  const listen = (s: http.Server) =>
    new Promise<string>((resolve) =>
      s.listen(0, "127.0.0.1", () =>
        resolve(`http://127.0.0.1:${(s.address() as AddressInfo).port}`),
      ),
    );

  beforeAll(async () => {
    other = http.createServer((req, res) => {
      seenByOther.push(req.headers);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ task: { id: "task_stolen", title: "stolen" } }));
    });
    otherUrl = await listen(other);
    api = http.createServer((req, res) => {
      const url = decodeURIComponent(req.url ?? "");
      const status = Number(/status=(\d+)/.exec(url)?.[1] ?? 307);
      if (url.startsWith("/v1/tasks/echo")) {
        // A server that echoes the credentials it got into its error message.
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: "bad", message: `rejected ${req.headers.authorization}` }));
        return;
      }
      res.writeHead(status, { location: `${otherUrl}${req.url}` });
      res.end();
    });
    apiUrl = await listen(api);
  });
  afterAll(async () => {
    await new Promise((r) => api.close(r));
    await new Promise((r) => other.close(r));
  });

  it.each([301, 302, 303, 307, 308])(
    "does not follow a %i to another origin: no request there, an error naming the base URL",
    async (status) => {
      const client = new AcpClient({ baseUrl: apiUrl, token, maxRetries: 0 });
      try {
        const err = await client.tasks.retrieve(`task_x?status=${status}`).catch((e) => e);
        expect(err).toBeInstanceOf(Error);
        expect(String(err.message)).toMatch(/redirect/);
        expect(String(err.message)).toMatch(/acp:baseUrl/);
        expect(String(err.message)).not.toContain(token);
      } finally {
        await client.close();
      }
      expect(seenByOther).toHaveLength(0);
    },
  );

  it.each([400, 401, 500])(
    "does not repeat a token that a %i error body echoes",
    async (status) => {
      const client = new AcpClient({ baseUrl: apiUrl, token, maxRetries: 0 });
      try {
        const err = await client.tasks.retrieve(`echo?status=${status}`).catch((e) => e);
        expect(err).toBeInstanceOf(Error);
        expect(String(err.message)).toMatch(new RegExp(String(status)));
        expect(String(err.message)).not.toContain(token);
        expect(JSON.stringify(err)).not.toContain(token);
        expect(String(err.stack)).not.toContain(token);
      } finally {
        await client.close();
      }
    },
  );
});
