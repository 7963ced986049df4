/**
 * The `AgentRun` provider: this module's exports ARE the provider object (see ../shim.ts).
 * Reachable as `pulumi-acp/providers/agent-run`.
 */
import { forwardingMethods } from "../shim";

const methods = forwardingMethods("agentRun");
export const configure = methods.configure;
export const check = methods.check;
export const diff = methods.diff;
export const create = methods.create;
export const read = methods.read;
export const update = methods.update;
module.exports.delete = methods.delete;
