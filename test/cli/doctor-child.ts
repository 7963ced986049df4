/**
 * Runs `pulumi-acp doctor` in a process of its own, so that a test can interrupt or kill it:
 * the arguments are the doctor's, the settings come from the environment.
 */
import { runDoctor } from "../../provider/cli/doctor";

runDoctor(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  isTTY: false,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `doctor-child: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 99;
  },
);
