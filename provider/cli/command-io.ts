/** What a `pulumi-acp` command runs in and talks to, and the project of its stacks. */

/** The Pulumi project of every sprint stack (also the root Pulumi.yaml's, so states agree). */
export const SPRINT_PROJECT = "pulumi-acp-sprint";

/** Where a command runs and talks: the process's own in `main`, captured ones in tests. */
export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Both stdin and stdout are a terminal: ask before changing, colour the output. */
  interactive: boolean;
}

/** True when a setting or variable is unset: absent, empty or blank (an empty variable is unset). */
export const blank = (v: string | undefined): boolean => v === undefined || v.trim() === "";
