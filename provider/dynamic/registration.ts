/** What every dynamic resource registers with the engine. */
import * as pulumi from "@pulumi/pulumi";
import type { ResourceKind } from "../core";

/**
 * The properties a dynamic resource of `kind` registers: every property of its table seeded as
 * undefined (an output that is not registered is not exposed, pulumi/pulumi#2931), then the
 * program's args and the resource's key, `<project>/<stack>/<name>`, which keeps a create's
 * idempotency key stable across engine runs. A read-only reference (`Task.get`) has no args.
 */
export function registeredProps(
  kind: ResourceKind,
  name: string,
  args: object | undefined,
): Record<string, unknown> {
  const props: Record<string, unknown> = Object.fromEntries(
    Object.keys(kind.fields).map((n) => [n, undefined]),
  );
  if (args) {
    Object.assign(props, args, { __acpKey: `${pulumi.getProject()}/${pulumi.getStack()}/${name}` });
  }
  return props;
}
