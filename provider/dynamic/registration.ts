/** What every dynamic resource registers with the engine. */
import * as pulumi from "@pulumi/pulumi";
import type { ResourceKind } from "../core";

/** Whether dynamic resources made now expose every output (see {@link withInputsOnly}). */
let exposeEveryOutput = true;

/**
 * The properties a dynamic resource of `kind` registers: every property of its table seeded as
 * undefined (an output that is not registered is not exposed, pulumi/pulumi#2931), then the
 * program's args and the resource's key, `<project>/<stack>/<name>`, which keeps a create's
 * idempotency key stable across engine runs. A read-only reference (`Task.get`) has no args.
 * Inside {@link withInputsOnly}, nothing is seeded.
 */
export function registeredProps(
  kind: ResourceKind,
  name: string,
  args: object | undefined,
): Record<string, unknown> {
  const props: Record<string, unknown> = exposeEveryOutput
    ? Object.fromEntries(Object.keys(kind.fields).map((n) => [n, undefined]))
    : {};
  if (args) {
    Object.assign(props, args, { __acpKey: `${pulumi.getProject()}/${pulumi.getStack()}/${name}` });
  }
  return props;
}

/**
 * Runs `declare` with the dynamic resources it makes registering only the inputs they are given:
 * on those resource objects, `id`, `urn` and the given inputs are outputs, the table's other
 * fields (`status`, `createdAt`, ...) are not. What the engine receives and records is the same
 * (an undefined property is never sent); the Node SDK's cost per resource is not: it makes an
 * output and four promises per registered property, and awaits each in turn, so a Task's 24 came
 * to about a third of the program's CPU time in a no-op preview of 500 tasks. For a program that
 * reads nothing but ids, such as the `pulumi-acp` command's sprint program.
 */
export function withInputsOnly<T>(declare: () => T): T {
  const before = exposeEveryOutput;
  exposeEveryOutput = false;
  try {
    return declare();
  } finally {
    exposeEveryOutput = before;
  }
}

/**
 * What a resource's registration (its `super(...)` call) runs under: no stack traces for the
 * Node SDK's own promises. Registering a resource, the SDK makes four promises per property, each
 * with the formatted stack trace of where it was made, which it shows only when
 * PULUMI_DEBUG_PROMISE_LEAKS is set (to report promises a program leaked); with a Task's 24
 * properties those traces were about a tenth of the program's CPU time in a no-op preview. So,
 * unless that variable is set, V8's stack trace limit is 0 until `restore()`. Nothing the engine
 * receives changes: the SDK takes the resource's source position with a limit of its own. The
 * constructor calls `super` itself (a base class would add a frame and move that position).
 */
export interface QuietRegistration {
  /** Puts the stack trace limit back. */
  restore(): void;
  /** `err`, thrown by the registration, with the stack of the caller (`at`) it could not take. */
  failed(err: unknown, at: NewableFunction): unknown;
}

/** Starts a {@link QuietRegistration}: call it right before `super(...)`. */
export function quietRegistration(): QuietRegistration {
  const limit = Error.stackTraceLimit;
  const debug = process.env.PULUMI_DEBUG_PROMISE_LEAKS;
  if (debug === undefined || debug === "") Error.stackTraceLimit = 0;
  return {
    restore: () => {
      Error.stackTraceLimit = limit;
    },
    failed: (err, at) => {
      Error.stackTraceLimit = limit;
      if (err instanceof Error && limit > 0) Error.captureStackTrace(err, at);
      return err;
    },
  };
}
