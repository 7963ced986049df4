/**
 * The `acp` provider plugin's implementation: Pulumi's provider interface
 * (`@pulumi/pulumi/provider`) over the provider core, and the TaskGraph component through
 * `construct`. Resources are `acp:index:Task`, `acp:index:TaskThread`, `acp:index:Thread` and
 * `acp:index:AgentRun`, with the inputs, outputs, defaults and errors of the dynamic resources.
 */
import type * as pulumi from "@pulumi/pulumi";
import type * as provider from "@pulumi/pulumi/provider";
import { doorCore, kindOfToken } from "../core";
import { withProgressTarget } from "../core/progress";
import { VERSION } from "../client/version";
import { noteDetailedDiff } from "./detailed-diff";
import { schemaText, TYPE_TOKENS } from "./schema";

type Props = Record<string, unknown>;

/** The parts of a URN (`urn:pulumi:<stack>::<project>::<parent types$type>::<name>`). */
export function parseUrn(urn: string): {
  stack: string;
  project: string;
  type: string;
  name: string;
} {
  const [head, project, qualifiedType, ...name] = urn.split("::");
  const types = (qualifiedType ?? "").split("$");
  return {
    stack: head.replace(/^urn:pulumi:/, ""),
    project: project ?? "",
    type: types[types.length - 1],
    name: name.join("::"),
  };
}

function coreFor(urn: string) {
  const { type } = parseUrn(urn);
  const kind = type.startsWith("acp:") ? kindOfToken(type) : undefined;
  if (!kind) throw new Error(`the acp provider has no resource type ${type}; upgrade pulumi-acp`);
  return doorCore(kind);
}

/**
 * The resource's key, `<project>/<stack>/<name>`, as the dynamic resources record it: it keeps
 * a create's idempotency key stable for one resource across engine runs.
 */
function resourceKey(urn: string): string {
  const { project, stack, name } = parseUrn(urn);
  return `${project}/${stack}/${name}`;
}

/** The `acp` provider. */
export const acpProvider: provider.Provider = {
  version: VERSION,
  schema: schemaText(),

  check: async (urn, olds: Props, news: Props) => coreFor(urn).check(olds, news),
  diff: async (id, urn, olds: Props, news: Props) => {
    // In a progress target: a diff may leave a note for the preview (a task created again).
    const result = await withProgressTarget({ urn }, () => coreFor(urn).diff(id, olds, news));
    noteDetailedDiff(result.detailedDiff);
    return result;
  },
  create: async (urn, inputs: Props) =>
    withProgressTarget({ urn }, () =>
      coreFor(urn).create(inputs, { resourceKey: resourceKey(urn) }),
    ),
  read: async (id, urn, props?: Props) => coreFor(urn).read(id, props ?? {}),
  update: async (id, urn, olds: Props, news: Props) =>
    withProgressTarget({ urn }, () => coreFor(urn).update(id, olds, news)),
  delete: async (id, urn, props: Props) =>
    withProgressTarget({ urn }, () => coreFor(urn).delete(id, props)),

  async construct(name, type, inputs, options) {
    if (type !== TYPE_TOKENS.taskGraph) {
      throw new Error(`the acp provider has no component ${type}; upgrade pulumi-acp`);
    }
    // Loaded here, not at start: the Node SDK's resource model (most of a plugin's start-up
    // time) is needed only to construct a component, never by the custom resources' calls.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { constructTaskGraph } = require("./construct") as typeof import("./construct");
    return constructTaskGraph(name, inputs, options as pulumi.ComponentResourceOptions);
  },
};
