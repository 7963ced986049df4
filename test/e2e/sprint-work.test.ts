/**
 * A sprint file that declares, beside its tasks, a kickoff thread and two agent runs (one sync,
 * one async), through the real engine against the emulator: each runs once; a second up runs
 * nothing; changing `triggers` runs exactly the resources whose triggers changed once more;
 * destroy removes the thread and forgets the runs (the API cannot delete them).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { sprintProgram } from "../../provider/cli/sprint-program";
import { changesOf, Harness } from "./harness";

jest.setTimeout(600_000);

const SERVER = "srv_sandbox";

function sprintYaml(release: string): string {
  return `name: s42
tasks:
  plan: { title: Plan the sprint }
  build: { title: Build it, dependsOn: [plan] }
threads:
  kickoff:
    title: Kickoff
    content: Summarise the open bugs
    triggers: [${release}]
runs:
  setup:
    serverId: ${SERVER}
    prompt: Prepare the sandbox
    dependsOn: [plan]
    triggers: [${release}]
  index:
    serverId: ${SERVER}
    content: Index the repository
    mode: async
    pollIntervalSeconds: 0.1
`;
}

describe("a sprint file with threads and runs, through the engine", () => {
  let h: Harness;
  let file: string;
  const executions = () => h.emulator.stats().agentExecutions;

  beforeAll(async () => {
    h = await Harness.create({
      program: async () => ({}),
      emulator: { servers: [SERVER], asyncRun: { queuedMs: 20, runningMs: 50 } },
    });
    file = path.join(h.workDir, "sprint.yaml");
    fs.writeFileSync(file, sprintYaml("r1"));
    h.setProgram(sprintProgram(file));
  });
  afterAll(() => h?.cleanup());

  it("goes up: one kickoff thread and two runs, each executed once", async () => {
    const up = await h.up();
    const threadIds = up.outputs.projectThreadIds as Record<string, string>;
    const runIds = up.outputs.runIds as Record<string, string>;
    const { threads, runs } = h.emulator.snapshot();
    expect(threads.find((t) => t.id === threadIds.kickoff)).toMatchObject({
      title: "Kickoff",
      task: "Summarise the open bugs",
      status: "completed",
    });
    expect(runs.find((r) => r.id === runIds.setup)).toMatchObject({
      serverId: SERVER,
      mode: "sync",
      status: "completed",
    });
    expect(runs.find((r) => r.id === runIds.index)).toMatchObject({
      mode: "async",
      status: "completed",
    });
    expect(executions()).toMatchObject({ threadContent: 1, serverRun: 2, runThread: 0 });
    expect(String(up.outputs.mermaid)).toContain('th_kickoff(["Thread: Kickoff"])');
    expect(String(up.outputs.mermaid)).toContain("t_plan --> run_setup");
  });

  it("runs nothing on a second up, a refresh or a preview", async () => {
    expect(changesOf((await h.up()).summary)).toEqual({});
    expect(changesOf((await h.refresh()).summary)).toEqual({});
    expect(changesOf((await h.preview()).summary)).toEqual({});
    expect(executions()).toMatchObject({ threadContent: 1, serverRun: 2 });
  });

  it("runs again exactly what a changed trigger names, once", async () => {
    fs.writeFileSync(file, sprintYaml("r2"));
    const up = await h.up();
    expect(changesOf(up.summary)).toEqual({ replace: 2 });
    expect(executions()).toMatchObject({ threadContent: 2, serverRun: 3 });
    expect(changesOf((await h.up()).summary)).toEqual({});
    expect(executions()).toMatchObject({ threadContent: 2, serverRun: 3 });
  });

  it("destroy removes the thread and forgets the runs", async () => {
    const kickoffs = () =>
      h.emulator.snapshot().threads.filter((t) => t.task === "Summarise the open bugs");
    expect(kickoffs()).toHaveLength(1);
    await h.destroy();
    expect(kickoffs()).toHaveLength(0);
    expect(h.emulator.snapshot().tasks).toHaveLength(0);
    // The API cannot delete runs: all three stay on their server.
    expect(h.emulator.snapshot().runs).toHaveLength(3);
  });
});
