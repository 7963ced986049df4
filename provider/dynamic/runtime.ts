/**
 * The entry point that the serialized provider shims load by package name
 * (`require("pulumi-acp/runtime")`) inside the dynamic provider process. It is never
 * serialized, so it may hold the client and the schemas: it adapts the provider core to
 * Pulumi's dynamic provider interface.
 */
import type * as pulumi from "@pulumi/pulumi";
import { configureFromStack, doorCore, type ProviderKind } from "../core";
import { installEngineProgress } from "../doors/engine-log";
import { withProgressTarget, type ProgressTarget } from "../core/progress";

type Props = Record<string, unknown>;

/**
 * Called by the engine once per provider process with the stack's config (secrets decrypted).
 * The process was started by the engine, with its address: progress goes to its log.
 */
export async function configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
  configureFromStack(req);
  installEngineProgress();
}

/**
 * The resource an operation is for. The dynamic provider interface passes no URN; the name
 * comes from the `__acpKey` input (`<project>/<stack>/<name>`) that every resource sends.
 */
export function progressTarget(props: Props): ProgressTarget {
  const key = typeof props.__acpKey === "string" ? props.__acpKey : "";
  return { urn: "", name: key.split("/").slice(2).join("/") || undefined };
}

/** Each kind's dynamic provider, made once per provider process (see {@link implementation}). */
const implementations = new Map<ProviderKind, ReturnType<typeof makeImplementation>>();

/**
 * The dynamic provider of one resource kind, over its core. The serialized shims call this on
 * every check, diff and CRUD call: it is made on the first and the same object serves the rest.
 */
export function implementation(kind: ProviderKind) {
  let impl = implementations.get(kind);
  if (impl === undefined) {
    impl = makeImplementation(kind);
    implementations.set(kind, impl);
  }
  return impl;
}

function makeImplementation(kind: ProviderKind) {
  const core = doorCore(kind);
  return {
    // The serialized provider travels in the inputs; the dynamic provider host puts it back.
    check: (olds: Props, news: Props) => {
      const { __provider: _provider, ...inputs } = news;
      return core.check(olds, inputs);
    },
    diff: (id: string, olds: Props, news: Props) => core.diff(id, olds, news),
    create: (inputs: Props) =>
      withProgressTarget(progressTarget(inputs), () => withProvider(core.create(inputs), inputs)),
    read: (id: string, props?: Props) => core.read(id, props),
    update: (id: string, olds: Props, news: Props) =>
      withProgressTarget(progressTarget(news), () =>
        withProvider(core.update(id, olds, news), news),
      ),
    delete: (id: string, props: Props) =>
      withProgressTarget(progressTarget(props), () => core.delete(id, props)),
  } satisfies pulumi.dynamic.ResourceProvider;
}

/**
 * A partial create or update (an error carrying `id` and `properties`, which the engine records)
 * keeps the serialized provider in its outputs, as a success does: the engine runs the provider
 * it finds in the recorded outputs to delete the resource.
 */
async function withProvider<T>(result: Promise<T>, inputs: Props): Promise<T> {
  try {
    return await result;
  } catch (err) {
    const partial = err as { id?: unknown; properties?: Props };
    if (partial?.id && partial.properties && partial.properties.__provider === undefined) {
      partial.properties.__provider = inputs.__provider;
    }
    throw err;
  }
}
