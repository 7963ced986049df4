/**
 * The entry point that the serialized provider shims load by package name
 * (`require("pulumi-acp/runtime")`) inside the provider process. It is never serialized, so it
 * may hold the client and the schemas.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ProviderKind } from "./shim";
import { configureFromStack } from "./settings";
import { TaskProviderImpl } from "./task-provider";
import { TaskThreadProviderImpl } from "./task-thread-provider";

const implementations = {
  task: new TaskProviderImpl(),
  taskThread: new TaskThreadProviderImpl(),
};

/** Called by the engine once per provider process with the stack's config (secrets decrypted). */
export async function configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
  configureFromStack(req);
}

/** The implementation of one resource kind. */
export function implementation(kind: ProviderKind) {
  const impl = implementations[kind];
  if (!impl) throw new Error(`pulumi-acp: unknown provider kind "${kind}"; upgrade pulumi-acp`);
  return impl;
}
