/**
 * Ending the `pulumi-acp` process without losing output. Node writes to a pipe asynchronously
 * once the pipe's buffer (64 KiB on Linux) is full, so `process.exit()` right after a large
 * output drops whatever a slow reader (a CI log, `| tee`) has not taken yet. The process must
 * still exit explicitly: the engine's and the client's keep-alive handles would hold it open.
 */

/** Resolves once everything written to `stream` so far has been handed to the operating system. */
export function drained(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const writable = stream as NodeJS.WritableStream & {
      destroyed?: boolean;
      writableEnded?: boolean;
    };
    // A closed reader (EPIPE) or an ended stream has nothing left to deliver.
    if (writable.destroyed || writable.writableEnded) return resolve();
    const done = () => {
      stream.off("error", done);
      resolve();
    };
    stream.once("error", done);
    // Writes are delivered in order: the callback of an empty write runs after every earlier one.
    stream.write("", () => done());
  });
}

/** Exits with `code` once stdout and stderr have delivered everything written to them. */
export async function exitAfterOutput(
  code: number,
  streams: NodeJS.WritableStream[] = [process.stdout, process.stderr],
): Promise<never> {
  process.exitCode = code;
  await Promise.all(streams.map(drained));
  process.exit(code);
}
