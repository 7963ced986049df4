/** The AgentRun's serialized dynamic provider, `pulumi-acp/providers/agent-run`: this module's exports (see ../shim.ts). */
import { forwardingMethods } from "../shim";
Object.assign(module.exports, forwardingMethods("agentRun"));
