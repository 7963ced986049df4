/** The Task's serialized dynamic provider, `pulumi-acp/providers/task`: this module's exports (see ../shim.ts). */
import { forwardingMethods } from "../shim";
Object.assign(module.exports, forwardingMethods("task"));
