/** The lease rule of fast-run records, the engine lock's holder, and --wait-for-lock, without the engine. */
import * as os from "node:os";
import { parseSprintArgs, UsageError } from "../../provider/cli/args";
import {
  LEASE_MS,
  recordIsAlive,
  recordOf,
  type FastRunRecord,
} from "../../provider/cli/fast-record";
import {
  clearLockCommand,
  lockedByRecord,
  lockedFromEngine,
  retryWhileLocked,
  StackLockedError,
} from "../../provider/cli/state-lock";

const NOW = Date.parse("2026-12-02T06:00:00.000Z");
const record = (over: Partial<FastRunRecord> = {}): FastRunRecord => ({
  runId: "0123456789abcdef0123456789abcdef",
  command: "up",
  host: "runner-a",
  pid: 4242,
  startedAt: "2026-12-02T05:58:00.000Z",
  heartbeatAt: new Date(NOW - 5_000).toISOString(),
  ...over,
});

describe("a fast run's record: alive or dead", () => {
  it("on another host: alive while the heartbeat is younger than the lease", () => {
    const alive = () => true;
    expect(recordIsAlive(record(), NOW, "runner-b", alive)).toBe(true);
    const old = new Date(NOW - LEASE_MS).toISOString();
    expect(recordIsAlive(record({ heartbeatAt: old }), NOW, "runner-b", alive)).toBe(false);
    expect(recordIsAlive(record({ heartbeatAt: "not a time" }), NOW, "runner-b", alive)).toBe(
      false,
    );
  });

  it("on its own host: dead at once when its process is gone, and never alive past the lease", () => {
    expect(recordIsAlive(record(), NOW, "runner-a", () => false)).toBe(false);
    expect(recordIsAlive(record(), NOW, "runner-a", () => true)).toBe(true);
    const old = new Date(NOW - LEASE_MS - 1).toISOString();
    // A process id reused by something else: the lease still ends the record.
    expect(recordIsAlive(record({ heartbeatAt: old }), NOW, "runner-a", () => true)).toBe(false);
  });

  it("records what identifies the run, short enough for any backend's tag", () => {
    const r = recordOf(
      {
        project: "pulumi-acp-sprint",
        stack: "dev",
        command: "destroy",
        runId: "0123456789abcdef0123456789abcdef",
        startedAt: "2026-12-02T05:58:00.000Z",
        pid: 1234567,
        host: "h".repeat(200),
        backend: "postgres://pulumi@127.0.0.1:5432/postgres",
      },
      new Date(NOW),
    );
    expect(r.host).toHaveLength(64);
    expect(r.heartbeatAt).toBe("2026-12-02T06:00:00.000Z");
    expect(JSON.stringify(r).length).toBeLessThanOrEqual(256);
  });
});

describe("who holds a stack", () => {
  it("names a live fast run's host, process and start", () => {
    const err = lockedByRecord("dev", record());
    expect(StackLockedError.isInstance(err)).toBe(true);
    expect(err.message).toBe(
      "stack dev is held by a running pulumi-acp fast run (runner-a, process 4242, since 2026-12-02T05:58:00.000Z): another command is applying it. Try again when it ends, or wait for it with --wait-for-lock SECONDS",
    );
  });

  const engineError = (host: string, pid: number) =>
    new Error(
      `code: 255\n stderr: error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with \`pulumi cancel\`.\n  postgres://127.0.0.1/.pulumi/locks/organization/p/dev/abc.json: created by ci@${host} (pid ${pid}) at 2026-12-02T05:59:01Z\n`,
    );

  it("reads the engine lock's holder; on this host a gone process makes it stale, with the command that clears it", () => {
    const clear = "pulumi cancel --yes --stack organization/pulumi-acp-sprint/dev";
    const live = lockedFromEngine(engineError(os.hostname(), process.ppid), "dev", clear);
    expect(live?.holder).toEqual({
      kind: "engine",
      user: "ci",
      host: os.hostname(),
      pid: process.ppid,
      since: "2026-12-02T05:59:01Z",
      stale: false,
    });
    // A process id above the kernel's maximum never runs.
    const stale = lockedFromEngine(engineError(os.hostname(), 99_999_999), "dev", clear);
    expect(stale?.holder.stale).toBe(true);
    expect(stale?.message).toContain("whose process is gone");
    expect(stale?.message).toContain(`then clear the lock: ${clear}`);
    // Another host: never judged stale from here.
    expect(lockedFromEngine(engineError("elsewhere", 99_999_999), "dev", clear)?.holder.stale).toBe(
      false,
    );
    expect(lockedFromEngine(new Error("update failed"), "dev", clear)).toBeUndefined();
  });

  it("gives the clear command with the command's own backend settings", () => {
    expect(
      clearLockCommand(
        "pulumi-acp-sprint",
        "dev",
        { PULUMI_BACKEND_URL: "file:///w/.pulumi/state", PULUMI_HOME: "/w/.pulumi/home" },
        true,
        false,
      ),
    ).toBe(
      "PULUMI_BACKEND_URL=file:///w/.pulumi/state PULUMI_HOME=/w/.pulumi/home pulumi cancel --yes --stack organization/pulumi-acp-sprint/dev",
    );
    expect(clearLockCommand("pulumi-acp-sprint", "prod", {}, false, true)).toBe(
      "pulumi cancel --yes --stack <your-org>/pulumi-acp-sprint/prod",
    );
  });
});

describe("--wait-for-lock", () => {
  it("parses seconds and refuses anything else", () => {
    expect(parseSprintArgs("up", ["--wait-for-lock", "90"]).waitForLock).toBe(90);
    expect(parseSprintArgs("up", []).waitForLock).toBeUndefined();
    expect(() => parseSprintArgs("up", ["--wait-for-lock", "soon"])).toThrow(
      new UsageError(
        "--wait-for-lock soon: give the seconds to wait for another run on the stack, a number of 0 or more",
      ),
    );
  });

  const held = () => lockedByRecord("dev", record());

  it("tries again until the holder is gone, saying so once", async () => {
    const said: string[] = [];
    let attempts = 0;
    const result = await retryWhileLocked(
      60,
      (l) => said.push(l),
      async () => {
        attempts++;
        if (attempts < 3) throw held();
        return "applied";
      },
      async () => undefined,
    );
    expect(result).toBe("applied");
    expect(attempts).toBe(3);
    expect(said).toEqual([
      "stack dev is held by a running pulumi-acp fast run (runner-a, process 4242, since 2026-12-02T05:58:00.000Z): waiting up to 60 s for it",
    ]);
  });

  it("without the flag, with a stale lock, or on any other error: fails at once", async () => {
    let attempts = 0;
    const attempt = async () => {
      attempts++;
      throw held();
    };
    await expect(retryWhileLocked(undefined, () => undefined, attempt)).rejects.toThrow(
      /is held by/,
    );
    expect(attempts).toBe(1);
    const stale = lockedFromEngine(
      new Error(
        `the stack is currently locked by 1 lock(s).\n  x: created by a@${os.hostname()} (pid 99999999) at t`,
      ),
      "dev",
      "pulumi cancel",
    ) as StackLockedError;
    await expect(
      retryWhileLocked(
        60,
        () => undefined,
        () => Promise.reject(stale),
        async () => undefined,
      ),
    ).rejects.toBe(stale);
    await expect(
      retryWhileLocked(
        60,
        () => undefined,
        () => Promise.reject(new Error("boom")),
        async () => undefined,
      ),
    ).rejects.toThrow("boom");
  });
});
