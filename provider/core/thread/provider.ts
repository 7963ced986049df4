/**
 * The Thread provider core: a thread made with `POST /v1/threads`, whose first message (when
 * set) the agent runs as the thread is created, for both front doors. Its field knowledge comes
 * from the table in ./fields.ts.
 *
 * A first message is paid work, so nothing but a change of the program's message or triggers
 * may run it again: the create is sent under an Idempotency-Key stable for this resource and
 * its inputs, so a create whose answer was lost (even to a killed engine) is answered with the
 * thread it made by a server that honours keys.
 */
import { z } from "zod";
import { NotFoundError, ThreadCreateParams, type Thread } from "../../client";
import { closeMatches } from "../../client/suggest";
import { noBlindResend } from "../paid-work";
import { deleteThread, inPlaceChanges, liveInputs, patchThread } from "../thread-api";
import { threadExists } from "../lookup";
import { acpClient } from "../settings";
import {
  canonicalJson,
  containsUnknown,
  definedOnly,
  stableKey,
  withoutUnknowns,
} from "../compare";
import { checkFailures, describeError } from "../errors";
import { diffFields, fieldsWhere, recordedInputs, type FieldPolicy } from "../fields";
import type {
  CheckResult,
  CreateResult,
  DiffResult,
  Props,
  ReadResult,
  ResourceCore,
  UpdateResult,
} from "../types";
import { THREAD_RESOURCE_FIELDS, THREAD_RESOURCE_INPUT_FIELDS } from "./fields";

const POLICIES: Readonly<Record<string, FieldPolicy>> = THREAD_RESOURCE_FIELDS;
/** Inputs recorded as the program gave them: the API cannot return them, or echoes them. */
const RECORDED_INPUTS = fieldsWhere(
  THREAD_RESOURCE_FIELDS,
  (p) => p.input && (p.source === "state" || p.echo === true),
);
/** The two names of the first message: diff compares the message, whichever name holds it. */
const MESSAGE_FIELDS = ["content", "task"] as const;

/**
 * A Thread's inputs: the create request's fields (the API's schema) and `triggers`. Strict: a
 * misspelt property is reported.
 */
export const ThreadInputs = ThreadCreateParams.pick({
  projectId: true,
  environmentId: true,
  agentId: true,
  title: true,
  appId: true,
  content: true,
  task: true,
  stream: true,
  metadata: true,
}).extend({
  triggers: z
    .array(z.unknown(), { error: 'must be a list of JSON values, e.g. ["release-2"]' })
    .optional(),
});
/** A Thread's inputs. */
export type ThreadInputs = z.infer<typeof ThreadInputs>;

/** A Thread's inputs as the engine hands them over (after check). */
export type ThreadProviderInputs = ThreadInputs & {
  /** `<project>/<stack>/<resource name>`: makes the create's idempotency key stable. */
  __acpKey?: string;
};

/** What check accepts: the inputs, the resource's key, and the rules across fields. */
const ThreadCheckSchema = ThreadInputs.extend({ __acpKey: z.string().optional() }).superRefine(
  (v, ctx) => {
    if (v.content !== undefined && v.task !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["task"],
        message:
          "a Thread takes its first message as content or as task (its legacy alias), not both: remove task",
      });
    }
    if (v.stream === true) {
      ctx.addIssue({
        code: "custom",
        path: ["stream"],
        message:
          "a Thread resource cannot stream: pulumi up waits for the thread and records it; remove stream or set it to false",
      });
    }
  },
);

/** The thread's first message, under whichever name the program gave it. */
function messageOf(values: Record<string, unknown>): unknown {
  return values.content ?? values.task;
}

/** The outputs of a thread: the API's fields, and the inputs the state keeps. */
function threadOutputs(thread: Thread, inputs: Record<string, unknown>): Record<string, unknown> {
  const outs: Record<string, unknown> = { ...definedOnly(thread) };
  delete outs.id;
  // The thread's `task` is its prompt text: recorded as `prompt`, so that the input `task` (the
  // legacy name of the first message) holds only what the program gave.
  for (const [field, policy] of Object.entries(POLICIES)) {
    if (!policy.apiName) continue;
    const value = outs[policy.apiName];
    delete outs[policy.apiName];
    if (value !== undefined) outs[field] = value;
  }
  for (const field of RECORDED_INPUTS) {
    const value = inputs[field] ?? POLICIES[field].default;
    if (value !== undefined) outs[field] = value;
  }
  return outs;
}

/** The create request: the program's fields as the API names them; `stream` is never sent. */
function createBody(inputs: ThreadProviderInputs): ThreadCreateParams {
  const { projectId, environmentId, agentId, title, appId, content, task, metadata } = inputs;
  return definedOnly({ projectId, environmentId, agentId, title, appId, content, task, metadata });
}

/**
 * The create's Idempotency-Key, when the resource has a key: the same resource creating the
 * same thread with the same triggers gets the same key.
 */
export function threadCreateKey(
  resourceKey: string | undefined,
  body: ThreadCreateParams,
  triggers: unknown,
): string | undefined {
  if (!resourceKey) return undefined;
  return stableKey("pulumi-acp-thread-", 40, [
    resourceKey,
    canonicalJson(body),
    canonicalJson(triggers ?? null),
  ]);
}

/** The Thread provider's implementation. */
export class ThreadProviderImpl implements ResourceCore<ThreadProviderInputs & Props, Props> {
  async check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult> {
    const failures = checkFailures(ThreadCheckSchema.safeParse(withoutUnknowns(news)));
    for (const failure of failures) {
      if (!/is not a property/.test(failure.reason)) continue;
      const near = closeMatches(failure.property, THREAD_RESOURCE_INPUT_FIELDS);
      if (near.length > 0) failure.reason += `; did you mean ${near.join(" or ")}?`;
    }
    return { inputs: news, failures };
  }

  async diff(
    _id: string,
    olds: Record<string, unknown>,
    news: ThreadProviderInputs & Record<string, unknown>,
  ): Promise<DiffResult> {
    const { replaces: fieldReplaces, changed } = diffFields(THREAD_RESOURCE_FIELDS, olds, news);
    // The first message is compared as one value, whichever name holds it: moving it from task
    // to content is recorded without running it again.
    const replaces = fieldReplaces.filter(
      (f) => !(MESSAGE_FIELDS as readonly string[]).includes(f),
    );
    const next = messageOf(news);
    const recorded = messageOf(olds);
    // A thread with no message on record (an imported one) whose prompt already is the
    // program's message is that thread: nothing to run.
    const same =
      !containsUnknown(next) &&
      (next === recorded || (recorded === undefined && next !== undefined && next === olds.prompt));
    const moved = MESSAGE_FIELDS.filter((f) => news[f] !== olds[f]);
    // Named by the field that holds the new message, or the one that held the old.
    const holder = (v: Record<string, unknown>) => (v.task !== undefined ? "task" : undefined);
    if (!same) replaces.push((next !== undefined ? holder(news) : holder(olds)) ?? "content");
    // The same message under the other name: recorded under its new name, nothing sent.
    else if (recorded !== undefined) changed.push(...moved);
    return {
      changes: replaces.length + changed.length > 0,
      replaces,
      deleteBeforeReplace: false,
    };
  }

  /**
   * Creates the thread, running its first message when it has one. `resourceKey` stands in for
   * an `__acpKey` input where the front door knows the resource's name without one (the
   * plugin's URN).
   */
  async create(
    inputs: ThreadProviderInputs,
    context: { resourceKey?: string } = {},
  ): Promise<CreateResult> {
    const client = acpClient();
    const given = inputs as unknown as Record<string, unknown>;
    const body = createBody(inputs);
    const key = threadCreateKey(inputs.__acpKey ?? context.resourceKey, body, inputs.triggers);
    const doing =
      messageOf(given) !== undefined
        ? "creating a thread and running its first message"
        : "creating a thread";
    let replayed = false;
    /** One create request; the thread it answers, with its id. */
    const create = async (idempotencyKey: string | undefined): Promise<Thread & { id: string }> => {
      let made: Thread;
      try {
        made = await client.threads.create(body, {
          idempotencyKey,
          onIdempotentReplay: () => (replayed = true),
          // Its first message is paid work that cannot be looked up: never sent twice blindly.
          onAmbiguousRetry:
            messageOf(given) !== undefined
              ? noBlindResend(`thread "${body.title ?? "(untitled)"}"`)
              : undefined,
        });
      } catch (err) {
        throw describeError(err, doing);
      }
      if (typeof made.id !== "string" || made.id === "") {
        throw new Error(`${doing}: the API answered without the thread's id`);
      }
      return made as Thread & { id: string };
    };
    let thread = await create(key);
    const threadId = thread.id;
    if (!replayed || key === undefined) return { id: threadId, outs: threadOutputs(thread, given) };
    // A replayed answer: the thread a lost answer (or an earlier engine run) made. Trust it only
    // while the thread exists; one deleted since is made anew, under a fresh key.
    let exists: boolean;
    try {
      exists = await threadExists(threadId);
    } catch (err) {
      // The thread may well exist, its message run: record it rather than lose it.
      throw Object.assign(
        describeError(err, `thread ${threadId} was created but could not be read back`),
        { id: threadId, properties: threadOutputs(thread, given) },
      );
    }
    if (exists) return { id: threadId, outs: threadOutputs(thread, given) };
    thread = await create(`${key}-${Date.now().toString(36)}`);
    return { id: thread.id, outs: threadOutputs(thread, given) };
  }

  /** Reads the thread (refresh), or imports it by its id. */
  async read(id: string, props: Record<string, unknown> = {}): Promise<ReadResult> {
    let thread: Thread;
    try {
      thread = await acpClient().threads.retrieve(id);
    } catch (err) {
      // Deleted out of band: an empty id drops it from the state, and the next up recreates it.
      if (NotFoundError.isInstance(err)) return { id: "" };
      throw describeError(err, `reading thread ${id}`);
    }
    const inputs = pickInputs(props);
    const outs = threadOutputs(thread, inputs);
    return { id, props: outs, inputs: liveInputs(THREAD_RESOURCE_FIELDS, inputs, outs) };
  }

  async update(
    id: string,
    olds: Record<string, unknown>,
    news: ThreadProviderInputs & Record<string, unknown>,
  ): Promise<UpdateResult> {
    const thread = await patchThread(id, inPlaceChanges(THREAD_RESOURCE_FIELDS, olds, news));
    return { outs: threadOutputs(thread, news) };
  }

  async delete(id: string): Promise<void> {
    await deleteThread(id);
  }
}

/** The recorded inputs among a resource's outputs. */
function pickInputs(props: Record<string, unknown>): Record<string, unknown> {
  return recordedInputs(THREAD_RESOURCE_FIELDS, props);
}
