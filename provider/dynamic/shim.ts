/**
 * The provider objects that Pulumi serializes into every resource's state.
 *
 * Pulumi stores the serialized provider with each resource (in its inputs and its outputs) and
 * runs THAT copy on refresh and delete. Each provider is therefore the `module.exports` of a
 * small module the package exports (`pulumi-acp/providers/task`, ...): when pulumi-acp is
 * installed under node_modules, Pulumi captures it by reference, as a `require()` of that
 * subpath, so the state holds a few hundred bytes and refresh and delete run the installed
 * code. When it is not (a linked checkout), the methods below are serialized by value; they
 * capture nothing but two strings and load the implementation by package name at run time,
 * so no client, schema or credential can end up in the state either way.
 */
/* eslint-disable @typescript-eslint/no-require-imports --
 * The implementation is loaded by package name inside each method, at run time, on purpose:
 * a static import would be serialized into the state with the provider. */
import type * as pulumi from "@pulumi/pulumi";
import type { ProviderKind } from "../core";

/** Property bags as the engine hands them over (inputs or outputs of one resource). */
type Props = Record<string, unknown>;

/** The methods of a dynamic provider that forward to the installed implementation of `kind`. */
export function forwardingMethods(kind: ProviderKind) {
  return {
    configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
      return require("pulumi-acp/runtime").configure(req);
    },
    check(olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
      return require("pulumi-acp/runtime").implementation(kind).check(olds, news);
    },
    diff(id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
      return require("pulumi-acp/runtime").implementation(kind).diff(id, olds, news);
    },
    create(inputs: Props): Promise<pulumi.dynamic.CreateResult> {
      return require("pulumi-acp/runtime").implementation(kind).create(inputs);
    },
    read(id: string, props?: Props): Promise<pulumi.dynamic.ReadResult> {
      return require("pulumi-acp/runtime").implementation(kind).read(id, props);
    },
    update(id: string, olds: Props, news: Props): Promise<pulumi.dynamic.UpdateResult> {
      return require("pulumi-acp/runtime").implementation(kind).update(id, olds, news);
    },
    delete(id: string, props: Props): Promise<void> {
      return require("pulumi-acp/runtime").implementation(kind).delete(id, props);
    },
  } satisfies pulumi.dynamic.ResourceProvider;
}
