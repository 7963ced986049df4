/** The TaskThread's serialized dynamic provider, `pulumi-acp/providers/task-thread`: this module's exports (see ../shim.ts). */
import { forwardingMethods } from "../shim";
Object.assign(module.exports, forwardingMethods("taskThread"));
