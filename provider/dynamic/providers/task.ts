/**
 * The `Task` provider: this module's exports ARE the provider object (see ../shim.ts for why).
 * Reachable as `pulumi-acp/providers/task`.
 */
import { forwardingMethods } from "../shim";

const methods = forwardingMethods("task");
export const configure = methods.configure;
export const check = methods.check;
export const diff = methods.diff;
export const create = methods.create;
export const read = methods.read;
export const update = methods.update;
// `delete` is a reserved word: export the method under that name without a local binding.
module.exports.delete = methods.delete;
