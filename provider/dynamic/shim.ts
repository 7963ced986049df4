/**
 * The provider objects that Pulumi serializes into every resource's state.
 *
 * Pulumi stores the serialized provider with each resource and runs THAT copy on refresh and
 * delete, so it must stay a thin shim: plain data (which resource kind) and methods that load
 * the installed implementation by package name at run time. Nothing here may capture a
 * client, a schema or a credential. Methods are plain methods (not arrow properties) and
 * fields are TS `private`, so the closure serializer can handle them.
 */
import type * as pulumi from "@pulumi/pulumi";

/** Which implementation a shim forwards to. */
export type ProviderKind = "task" | "taskThread";

/** A dynamic provider that forwards every call to the implementation installed in node_modules. */
export class ProviderShim implements pulumi.dynamic.ResourceProvider {
  private readonly kind: ProviderKind;

  constructor(kind: ProviderKind) {
    this.kind = kind;
  }

  configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
    return require("pulumi-acp/runtime").configure(req);
  }

  check(olds: any, news: any): Promise<pulumi.dynamic.CheckResult> {
    return require("pulumi-acp/runtime").implementation(this.kind).check(olds, news);
  }

  diff(id: string, olds: any, news: any): Promise<pulumi.dynamic.DiffResult> {
    return require("pulumi-acp/runtime").implementation(this.kind).diff(id, olds, news);
  }

  create(inputs: any): Promise<pulumi.dynamic.CreateResult> {
    return require("pulumi-acp/runtime").implementation(this.kind).create(inputs);
  }

  read(id: string, props?: any): Promise<pulumi.dynamic.ReadResult> {
    return require("pulumi-acp/runtime").implementation(this.kind).read(id, props);
  }

  update(id: string, olds: any, news: any): Promise<pulumi.dynamic.UpdateResult> {
    return require("pulumi-acp/runtime").implementation(this.kind).update(id, olds, news);
  }

  delete(id: string, props: any): Promise<void> {
    return require("pulumi-acp/runtime").implementation(this.kind).delete(id, props);
  }
}

/** The one provider instance of `Task`. */
export const taskProvider = new ProviderShim("task");
/** The one provider instance of `TaskThread`. */
export const taskThreadProvider = new ProviderShim("taskThread");
