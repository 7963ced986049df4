/** Progress lines of the `pulumi-acp` command from engine events. */
import { PassThrough } from "node:stream";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { BATCH_MS, Progress, shortType, urnName } from "../../provider/cli/progress";

const URN =
  "urn:pulumi:dev::pulumi-acp-sprint::acp:index:TaskGraph$pulumi-nodejs:dynamic/acp:Task::sprint-api";

function render(planning: boolean, events: Partial<EngineEvent>[], colour = false): string {
  const out = new PassThrough();
  let text = "";
  out.on("data", (d) => (text += d));
  const progress = new Progress(out, { planning, colour });
  events.forEach((e, i) => progress.onEvent({ sequence: i, timestamp: 100, ...e } as EngineEvent));
  progress.flush();
  return text;
}

const meta = (op: string, extra: object = {}) => ({
  metadata: { op, urn: URN, type: "pulumi-nodejs:dynamic/acp:Task", provider: "", ...extra },
});

describe("Progress", () => {
  it("names types and resources briefly", () => {
    expect(shortType("pulumi-nodejs:dynamic/acp:Task")).toBe("acp:Task");
    expect(shortType("acp:index:TaskGraph")).toBe("acp:TaskGraph");
    expect(urnName(URN)).toBe("sprint-api");
  });

  it("writes one line per finished step with the id, the changed fields and the time", () => {
    const text = render(false, [
      { timestamp: 100, resourcePreEvent: meta("create") as never },
      {
        timestamp: 103,
        resOutputsEvent: meta("create", { new: { id: "task_1" }, diffs: ["title"] }) as never,
      },
    ]);
    expect(text).toBe("  + acp:Task sprint-api task_1 created [title] (3s)\n");
  });

  it("says that a record the command moves to the other design leaves the state, not the API", () => {
    const retained = meta("delete", { old: { retainOnDelete: true } });
    expect(render(false, [{ resOutputsEvent: retained as never }])).toBe(
      "  - acp:Task sprint-api left the state (its task stays on the API)\n",
    );
    expect(render(true, [{ resourcePreEvent: retained as never }])).toBe(
      "  - acp:Task sprint-api would leave the state (its task stays on the API)\n",
    );
  });

  it("says that deleting an agent run only forgets it, through either door", () => {
    const run = (type: string, op: string) => ({
      metadata: { ...meta(op).metadata, type, urn: URN.replace("sprint-api", "setup") },
    });
    const done = render(false, [
      { resOutputsEvent: run("pulumi-nodejs:dynamic/acp:AgentRun", "delete") as never },
      { resOutputsEvent: run("acp:index:AgentRun", "delete-replaced") as never },
      { resOutputsEvent: run("acp:index:Thread", "delete") as never },
    ]);
    expect(done).toBe(
      [
        "  - acp:AgentRun setup forgotten (the API cannot delete a run: it stays on its server)",
        "  -- acp:AgentRun setup forgotten (the API cannot delete a run: it stays on its server)",
        "  - acp:Thread setup deleted",
        "",
      ].join("\n"),
    );
    expect(render(true, [{ resourcePreEvent: run("acp:index:AgentRun", "delete") as never }])).toBe(
      "  - acp:AgentRun setup would forget (the API cannot delete a run: it stays on its server)\n",
    );
  });

  it("plans in a preview, and says nothing of unchanged resources, the stack or providers", () => {
    const text = render(true, [
      { resourcePreEvent: meta("update") as never },
      { resourcePreEvent: meta("same") as never },
      {
        resourcePreEvent: {
          metadata: { ...meta("create").metadata, type: "pulumi:pulumi:Stack" },
        } as never,
      },
      {
        resourcePreEvent: {
          metadata: { ...meta("create").metadata, type: "pulumi:providers:acp" },
        } as never,
      },
      { resOutputsEvent: meta("update") as never },
    ]);
    expect(text).toBe("  ~ acp:Task sprint-api would update\n");
  });

  it("reports errors and warnings with the resource, one line each, and drops the engine's own 'failed' line", () => {
    const text = render(false, [
      {
        diagnosticEvent: {
          urn: URN,
          message: "task 'x': 409 blocked\nsecond line",
          color: "never",
          severity: "error",
        },
      },
      { diagnosticEvent: { message: "update failed", color: "never", severity: "error" } },
      { diagnosticEvent: { message: "careful", color: "never", severity: "warning" } },
      { resOpFailedEvent: { ...meta("create"), status: 1, steps: 0 } as never },
    ]);
    expect(text).toBe(
      "  error: sprint-api: task 'x': 409 blocked\n  error: sprint-api: second line\n  warning: careful\n  ! acp:Task sprint-api failed\n",
    );
  });

  it("shows a resource's progress (an ephemeral info message) as a line of its own", () => {
    const text = render(false, [
      {
        diagnosticEvent: {
          urn: URN,
          message: "agent run run_1 on server srv_1: running (30s of 10m)\n",
          color: "never",
          severity: "info",
          ephemeral: true,
        },
      },
      {
        diagnosticEvent: {
          message: "setup: agent run run_2 on server srv_1: queued (0s of 10m)",
          color: "never",
          severity: "info",
          ephemeral: true,
        },
      },
      { diagnosticEvent: { message: "kept", color: "never", severity: "info" } },
    ]);
    expect(text).toBe(
      "  … sprint-api: agent run run_1 on server srv_1: running (30s of 10m)\n" +
        "  … setup: agent run run_2 on server srv_1: queued (0s of 10m)\n" +
        "  info: kept\n",
    );
  });

  it("colours only when asked", () => {
    expect(render(true, [{ resourcePreEvent: meta("delete") as never }], true)).toBe(
      "  \u001b[31m-\u001b[0m acp:Task sprint-api would delete\n",
    );
  });

  describe("writes its lines in batches", () => {
    /** A stream that records each write it is given, as it is given. */
    function recorder() {
      const writes: string[] = [];
      const write = (chunk: string) => writes.push(chunk) > 0;
      return { out: { write } as unknown as NodeJS.WritableStream, writes };
    }
    const deleted = (i: number) =>
      ({
        sequence: i,
        timestamp: 100,
        resourcePreEvent: meta("delete", { urn: `${URN}-${i}` }),
      }) as unknown as EngineEvent;

    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it("one write for every line made within BATCH_MS, none lost, in order", () => {
      const { out, writes } = recorder();
      const progress = new Progress(out, { planning: true, colour: false });
      for (let i = 0; i < 500; i++) progress.onEvent(deleted(i));
      jest.advanceTimersByTime(BATCH_MS - 1);
      expect(writes).toEqual([]);
      jest.advanceTimersByTime(1);
      expect(writes).toHaveLength(1);
      const lines = writes.join("").trimEnd().split("\n");
      expect(lines).toHaveLength(500);
      expect(lines[0]).toBe("  - acp:Task sprint-api-0 would delete");
      expect(lines[499]).toBe("  - acp:Task sprint-api-499 would delete");
      expect(progress.linesWritten).toBe(500);
    });

    it("flush writes what is pending at once, and nothing twice", () => {
      const { out, writes } = recorder();
      const progress = new Progress(out, { planning: true, colour: false });
      progress.onEvent(deleted(1));
      progress.flush();
      progress.flush();
      jest.advanceTimersByTime(BATCH_MS * 2);
      expect(writes).toEqual(["  - acp:Task sprint-api-1 would delete\n"]);
    });
  });
});
