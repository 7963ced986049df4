/**
 * Ctrl-C during a command (provider/cli/interrupt.ts): the command answers "interrupted" whether
 * the engine then fails or answers success, and tells the operation that Ctrl-C came. The signal
 * is delivered as the process's SIGINT event, as Node hands it to the listener.
 */
import { PassThrough } from "node:stream";
import { EXIT } from "../../provider/cli/args";
import type { CommandIo } from "../../provider/cli/command-io";
import { whileInterruptible } from "../../provider/cli/interrupt";

function io(): { io: CommandIo; stderr: () => string } {
  const err = new PassThrough();
  let text = "";
  err.on("data", (chunk) => (text += String(chunk)));
  const out = new PassThrough();
  out.resume();
  return {
    io: { stdout: out, stderr: err, cwd: process.cwd(), env: {} } as unknown as CommandIo,
    stderr: () => text,
  };
}

describe("whileInterruptible", () => {
  it("answers the operation's own code when no Ctrl-C came, and tells it none came", async () => {
    const { io: cmd } = io();
    let seen: boolean | undefined;
    const code = await whileInterruptible(cmd, async (interrupted) => {
      seen = interrupted();
      return EXIT.changes;
    });
    expect(code).toBe(EXIT.changes);
    expect(seen).toBe(false);
  });

  it("answers interrupted when the engine stops on Ctrl-C and still answers success", async () => {
    const { io: cmd, stderr } = io();
    let seen: boolean | undefined;
    const code = await whileInterruptible(cmd, async (interrupted) => {
      process.emit("SIGINT", "SIGINT");
      seen = interrupted();
      return EXIT.ok;
    });
    expect(seen).toBe(true);
    expect(code).toBe(EXIT.interrupted);
    expect(stderr()).toContain("run the command again to finish");
  });

  it("answers interrupted when the engine fails after Ctrl-C, and rethrows a failure without it", async () => {
    const { io: cmd, stderr } = io();
    const code = await whileInterruptible(cmd, async () => {
      process.emit("SIGINT", "SIGINT");
      throw new Error("update canceled");
    });
    expect(code).toBe(EXIT.interrupted);
    expect(stderr()).toContain("error: interrupted: update canceled");
    await expect(
      whileInterruptible(cmd, async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
  });

  it("stops listening for SIGINT when the operation ends", async () => {
    const before = process.listenerCount("SIGINT");
    await whileInterruptible(io().io, async () => EXIT.ok);
    expect(process.listenerCount("SIGINT")).toBe(before);
  });
});
