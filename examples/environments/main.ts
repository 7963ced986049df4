/**
 * Entry point for the Pulumi CLI with the Node.js language host (`pulumi up -s dev` in this
 * folder). The runner (run.ts) runs the same program inline instead.
 */
import { environmentProgram } from "./index";

// The Node.js language host calls an exported function and exports what it resolves to.
export = environmentProgram();
