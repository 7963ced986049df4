/**
 * The sprint-from-file program: a TaskGraph declared by a sprint file (YAML or JSON), as the
 * package's `sprintProgram` builds it for the `pulumi-acp` command. main.ts runs it under the
 * Pulumi CLI; the end-to-end tests run it as an Automation API inline program.
 */
import * as path from "node:path";
import type { PulumiFn } from "@pulumi/pulumi/automation";
import { sprintProgram as packageSprintProgram } from "pulumi-acp";

/** The sprint file this example ships with. */
export const DEFAULT_SPRINT_FILE = path.join(__dirname, "sprint.yaml");

/** The sprint of `sprintFilePath` (default: this example's sprint.yaml) as a Pulumi program. */
export function sprintProgram(sprintFilePath: string = DEFAULT_SPRINT_FILE): PulumiFn {
  return packageSprintProgram(sprintFilePath);
}
