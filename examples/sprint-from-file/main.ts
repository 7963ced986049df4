/**
 * Entry point for the Pulumi CLI with the Node.js language host (`pulumi up` in the repository
 * root, whose Pulumi.yaml names this folder): runs the sprint program on the sprint file named
 * by the stack config `sprintFile` (relative to the repository root), default sprint.yaml here.
 * `npm start` does not use this file: it runs the same program inline (scripts/main.ts).
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_SPRINT_FILE, sprintProgram } from "./index";

const configured = new pulumi.Config().get("sprintFile");
const file = configured ? path.resolve(__dirname, "..", "..", configured) : DEFAULT_SPRINT_FILE;

// The Node.js language host calls an exported function and exports what it resolves to.
export = sprintProgram(file);
