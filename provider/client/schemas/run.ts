import { z } from "zod";
import { Metadata, responseField as r } from "./common";
import { Thread } from "./thread";

export const RUN_STATUSES = ["queued", "running", "completed", "failed", "cancelled"] as const;
export const RunStatus = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatus>;

export const RunMode = z.enum(["sync", "async"]);
export type RunMode = z.infer<typeof RunMode>;

/** An agent runtime run. */
export const Run = z.looseObject({
  id: r(z.string()),
  serverId: r(z.string()),
  threadId: r(z.string()),
  title: r(z.string()),
  input: r(z.string()),
  output: r(z.string()),
  mode: r(RunMode),
  status: r(RunStatus),
  error: r(z.string()),
  metadata: r(Metadata),
  createdAt: r(z.string()),
  completedAt: r(z.string()),
  sessionProtocol: r(z.string()),
  threadBacked: r(z.boolean()),
  threadStatus: r(z.string()),
  threadTitle: r(z.string()),
});
export type Run = z.infer<typeof Run>;

/** One event of a run's log. */
export const RunEvent = z.looseObject({
  id: r(z.string()),
  role: r(z.string()),
  content: r(z.string()),
  logType: r(z.string()),
  logLevel: r(z.string()),
  createdAt: r(z.string()),
});
export type RunEvent = z.infer<typeof RunEvent>;

/** Body of `POST /v1/servers/{serverId}/runs` [spec]. */
export const RunCreateParams = z
  .strictObject({
    content: z.string(),
    prompt: z.string(),
    title: z.string(),
    mode: RunMode,
    metadata: Metadata,
  })
  .partial();
export type RunCreateParams = z.infer<typeof RunCreateParams>;

/** 201/202 of run create, and 200 of run retrieve [assumed]: `{ serverId, run, thread, events[] }`. */
export const RunEnvelope = z.looseObject({
  serverId: r(z.string()),
  run: Run,
  thread: r(Thread),
  events: r(z.array(RunEvent)),
});
export type RunEnvelope = z.infer<typeof RunEnvelope>;
