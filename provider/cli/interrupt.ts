/** Ctrl-C during a command: the engine finishes what it has in flight, then the command stops. */
import { EXIT } from "./args";
import type { CommandIo } from "./command-io";
import { oneLine } from "./engine";

/**
 * Runs `operation` with Ctrl-C handled: a terminal sends SIGINT to the engine too, which then
 * finishes the operations it has in flight, records them and stops; this process waits for that
 * and answers {@link EXIT.interrupted}. A second Ctrl-C stops everything at once (a fast run is
 * then repaired by the next command).
 */
export async function whileInterruptible(io: CommandIo, operation: () => Promise<number>) {
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts === 1) {
      io.stderr.write(
        "\ninterrupted: the engine finishes the operations in flight, records them and stops (Ctrl-C again stops at once)\n",
      );
    } else {
      process.off("SIGINT", onSigint);
      process.kill(process.pid, "SIGINT");
    }
  };
  process.on("SIGINT", onSigint);
  try {
    return await operation();
  } catch (err) {
    if (interrupts === 0) throw err;
    io.stderr.write(`error: interrupted: ${oneLine(err)}\n`);
    return EXIT.interrupted;
  } finally {
    process.off("SIGINT", onSigint);
  }
}
