/**
 * examples/gitops/workflow.yml rehearsed: its jobs, in the order GitHub runs them, with the
 * workflow's environment (variables and secrets filled in with an emulator, a PostgreSQL backend
 * and a passphrase), each job on a fresh "runner" (its own checkout directory and PULUMI_HOME).
 * Each `run:` step that calls `npx pulumi-acp` runs as written, through bash, with `npx
 * pulumi-acp` resolving to this package's command. The sequence: a pull request's preview; a
 * push whose apply job is killed mid-apply; the next push's job on another runner, which repairs
 * and converges; the scheduled drift job, clean, then failing after a change behind the file's
 * back.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { AcpClient, loadSprintFile } from "pulumi-acp";
import { DEFAULT_SPRINT_FILE } from "../../examples/sprint-from-file/index";
import { REPO_ROOT } from "../../provider/cli/engine";
import { childEnv, PULUMI_ACP_MAIN, runChild } from "../e2e/child";
import { E2E_TOKEN, e2eWorkDir } from "../e2e/harness";
import { sharedBackend } from "../e2e/postgres";
import { connectionsClosed, descendantsOf, isAlive, signalProcess, waitFor } from "./processes";
import { spawn } from "node:child_process";

jest.setTimeout(900_000);

interface Step {
  name?: string;
  run?: string;
  uses?: string;
}
interface Workflow {
  env: Record<string, string>;
  jobs: Record<string, { if: string; steps: Step[] }>;
}

const WORKFLOW = parse(
  fs.readFileSync(path.join(REPO_ROOT, "examples", "gitops", "workflow.yml"), "utf8"),
) as Workflow;

/** `npx pulumi-acp ARGS` as this package's command; every other step of a job is setup. */
const NPX = `npx() { if [ "$1" = pulumi-acp ]; then shift; exec "${process.execPath}" "${PULUMI_ACP_MAIN}" "$@"; fi; echo "unexpected npx $*" >&2; return 1; }`;

describe("the gitops workflow, job by job, on a shared PostgreSQL backend", () => {
  const shared = sharedBackend();
  const runners: string[] = [];
  const sprintTitles = Object.values(loadSprintFile(DEFAULT_SPRINT_FILE).tasks).map((t) =>
    String(t.title),
  );

  afterAll(() => {
    for (const dir of runners) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The workflow's env with its variables and secrets given values, as Actions would. */
  const workflowEnv = (): Record<string, string> => {
    const values: Record<string, string> = {
      "vars.ACP_BASE_URL": shared.baseUrl,
      "secrets.ACP_API_TOKEN": E2E_TOKEN,
      "secrets.PULUMI_ACCESS_TOKEN": "",
      "vars.PULUMI_BACKEND_URL": shared.pg.url,
      "secrets.PULUMI_CONFIG_PASSPHRASE": "gitops-passphrase",
    };
    return Object.fromEntries(
      Object.entries(WORKFLOW.env).map(([k, v]) => [
        k,
        String(v).replace(/\$\{\{\s*([\w.]+)\s*\}\}/g, (_, ref: string) => {
          if (!(ref in values)) throw new Error(`the workflow uses ${ref}: give it a value here`);
          return values[ref];
        }),
      ]),
    );
  };

  /** A fresh runner: a checkout of the sprint file, its own Pulumi home. */
  const runner = () => {
    const dir = e2eWorkDir("gitops-runner-");
    runners.push(dir);
    const sprint = path.join(dir, "examples", "sprint-from-file", "sprint.yaml");
    fs.mkdirSync(path.dirname(sprint), { recursive: true });
    fs.copyFileSync(DEFAULT_SPRINT_FILE, sprint);
    const env = {
      ...childEnv(),
      ...workflowEnv(),
      PULUMI_HOME: path.join(dir, "home"),
      GITHUB_STEP_SUMMARY: path.join(dir, "summary.md"),
    };
    return { dir, env };
  };

  /** The jobs an event runs, by their `if:`, in the workflow's order. */
  const jobsFor = (event: string) =>
    Object.entries(WORKFLOW.jobs).filter(([, job]) => job.if.includes(`'${event}'`));

  /** A job's pulumi-acp steps (setup steps need nothing here). */
  const commandSteps = (job: string) =>
    WORKFLOW.jobs[job].steps.filter((s) => s.run?.includes("npx pulumi-acp"));

  /** Runs a job's steps in order on `r`, stopping at the first that fails, as Actions does. */
  const runJob = async (job: string, r: ReturnType<typeof runner>) => {
    const results: Array<{ name: string; code: number; out: string }> = [];
    for (const step of commandSteps(job)) {
      const res = await runChild("bash", ["-c", `${NPX}\n${step.run}`], { cwd: r.dir, env: r.env });
      results.push({ name: step.name ?? "", code: res.code, out: res.stdout + res.stderr });
      if (res.code !== 0) break;
    }
    return results;
  };

  it("runs preview on a pull request, repairs a killed apply on the next push's runner, and catches drift", async () => {
    expect(jobsFor("pull_request").map(([name]) => name)).toEqual(["preview"]);
    expect(jobsFor("push").map(([name]) => name)).toEqual(["up"]);
    expect(jobsFor("schedule").map(([name]) => name)).toEqual(["drift"]);
    // No step carries anything between jobs: the backend does.
    for (const job of Object.values(WORKFLOW.jobs)) {
      expect(job.steps.filter((s) => /cache|artifact/.test(s.uses ?? ""))).toEqual([]);
    }

    // 1. A pull request: the preview job changes nothing.
    const pr = await runJob("preview", runner());
    expect(pr.map((s) => s.code)).toEqual([0]);
    expect(shared.emulator.snapshot().tasks).toEqual([]);

    // 2. A push: its apply job is killed mid-apply (a lost runner), at a known point.
    const first = runner();
    const [apply] = commandSteps("up");
    shared.emulator.resetStats();
    shared.emulator.setFaults({ holdAfter: 6, routes: ["/v1/tasks"] });
    const child = spawn("bash", ["-c", `${NPX}\n${apply.run}`], {
      cwd: first.dir,
      env: first.env,
      detached: true,
      stdio: "ignore",
    });
    expect(await waitFor(() => shared.emulator.stats().faultsInjected.held > 0, 300_000, 50)).toBe(
      true,
    );
    const tree = descendantsOf(child.pid as number);
    process.kill(-(child.pid as number), "SIGKILL");
    for (const p of tree) if (isAlive(p.pid)) signalProcess(p.pid, "SIGKILL");
    expect(await connectionsClosed(shared.emulator, 60_000)).toBe(true);
    shared.emulator.setFaults(undefined);
    const atKill = shared.emulator.snapshot().tasks.length;
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(sprintTitles.length);

    // 3. The next push, on another runner: the whole job, which repairs, applies and converges.
    const next = await runJob("up", runner());
    expect(next.map((s) => s.code)).toEqual([0, 0]);
    expect(next[0].out).toContain("The fast up of this stack started at");
    const titles = shared.emulator.snapshot().tasks.map((t) => String(t.title));
    expect(titles.sort()).toEqual([...sprintTitles].sort());

    // 4. The scheduled drift job: clean, then failing (exit 3) after a change behind the file.
    const clean = await runJob("drift", runner());
    expect(clean.map((s) => s.code)).toEqual([0, 0]);
    const api = new AcpClient({ baseUrl: shared.baseUrl, token: E2E_TOKEN });
    const victim = shared.emulator.snapshot().tasks[0];
    await api.tasks.update(victim.id as string, { title: `${victim.title} (edited by hand)` });
    await api.close();
    const drift = await runJob("drift", runner());
    expect(drift.map((s) => s.code)).toEqual([0, 3]);
    expect(drift[1].out).toContain("error: --expect-no-changes");
  });
});
