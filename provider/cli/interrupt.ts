/** Ctrl-C during a command: the engine finishes what it has in flight, then the command stops. */
import { EXIT } from "./args";
import type { CommandIo } from "./command-io";
import { oneLine } from "./engine";

/**
 * Runs `operation` with Ctrl-C handled: a terminal sends SIGINT to the engine too, which then
 * finishes the operations it has in flight, records them and stops; this process waits for that
 * and answers {@link EXIT.interrupted}, also when the engine answers success (`operation` is told
 * whether Ctrl-C came, to keep a stopped run's repair record). A second Ctrl-C stops everything at once (a fast run is
 * then repaired by the next command).
 */
export async function whileInterruptible(
  io: CommandIo,
  operation: (interrupted: () => boolean) => Promise<number>,
) {
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
    const code = await operation(() => interrupts > 0);
    if (interrupts === 0) return code;
    // An engine that ran no program can stop early on Ctrl-C and still answer success.
    io.stderr.write(
      `error: interrupted: the engine stopped after the operations it had in flight; run the command again to finish\n`,
    );
    return EXIT.interrupted;
  } catch (err) {
    if (interrupts === 0) throw err;
    io.stderr.write(`error: interrupted: ${oneLine(err)}\n`);
    return EXIT.interrupted;
  } finally {
    process.off("SIGINT", onSigint);
  }
}
