import { z } from "zod";
import { Id, Metadata, responseField as r } from "./common";
import { Subtask, Task } from "./task";

export const THREAD_STATUSES = ["active", "running", "completed", "failed", "cancelled"] as const;
export const ThreadStatus = z.enum(THREAD_STATUSES);
export type ThreadStatus = z.infer<typeof ThreadStatus>;

const AgentRef = z.looseObject({
  agentId: r(z.string()),
  agentName: r(z.string()),
  claudeAgentName: r(z.string()),
});

/** Team execution details of a thread run by a team of agents. */
export const TeamExecution = z.looseObject({
  mode: r(z.string()),
  teamAgentId: r(z.string()),
  teamAgentName: r(z.string()),
  orchestrator: r(AgentRef),
  subagents: r(z.array(AgentRef)),
});

export const SubagentActivity = z.looseObject({
  agentId: r(z.string()),
  agentName: r(z.string()),
  claudeAgentName: r(z.string()),
  eventCount: r(z.number()),
  lastActiveAt: r(z.string()),
  teamAgentId: r(z.string()),
  teamAgentName: r(z.string()),
});

/** A thread as the API returns it. Tolerant: every field optional, unknown fields kept. */
export const Thread = z.looseObject({
  id: r(z.string()),
  projectId: r(z.string()),
  environmentId: r(z.string()),
  agentId: r(z.string()),
  title: r(z.string()),
  task: r(z.string()),
  appId: r(z.string()),
  status: r(ThreadStatus),
  messageCount: r(z.number()),
  lastMessageAt: r(z.string()),
  lastMessagePreview: r(z.string()),
  inputTokens: r(z.number()),
  outputTokens: r(z.number()),
  totalCost: r(z.number()),
  environmentMinutes: r(z.number()),
  metadata: r(Metadata),
  teamExecution: r(TeamExecution),
  subagentActivity: r(z.array(SubagentActivity)),
  environmentName: r(z.string()),
  agentName: r(z.string()),
  createdAt: r(z.string()),
  updatedAt: r(z.string()),
});
export type Thread = z.infer<typeof Thread>;

/** Outcome of the synchronous run in run-thread. */
export const Execution = z.looseObject({
  success: r(z.boolean()),
  response: r(z.string()),
  actions: r(z.array(z.string())),
  durationMs: r(z.number()),
  usage: r(z.looseObject({ inputTokens: r(z.number()), outputTokens: r(z.number()) })),
  error: r(z.string()),
});
export type Execution = z.infer<typeof Execution>;

/** Body of `POST /v1/tasks/{taskId}/start-thread` [spec]. */
export const StartThreadParams = z
  .strictObject({
    environmentId: Id,
    agentId: Id,
    moveToInProgress: z.boolean(),
    metadata: Metadata,
  })
  .partial();
export type StartThreadParams = z.infer<typeof StartThreadParams>;

/** Body of `POST /v1/tasks/{taskId}/run-thread` [spec]. `content` and `task` alias `message`. */
export const RunThreadParams = z
  .strictObject({
    environmentId: Id,
    agentId: Id,
    moveToInProgress: z.boolean(),
    metadata: Metadata,
    message: z.string(),
    content: z.string(),
    task: z.string(),
  })
  .partial();
export type RunThreadParams = z.infer<typeof RunThreadParams>;

/** 201 of start-thread: `{ thread, task }`. */
export const StartThreadResponse = z.looseObject({ thread: Thread, task: r(Task) });
export type StartThreadResponse = z.infer<typeof StartThreadResponse>;

/** 201 of run-thread: `{ thread, task, subtasks[], execution }`. */
export const RunThreadResponse = z.looseObject({
  thread: Thread,
  task: r(Task),
  subtasks: r(z.array(Subtask)),
  execution: r(Execution),
});
export type RunThreadResponse = z.infer<typeof RunThreadResponse>;

/** Body of `POST /v1/threads` [spec]. `task` is a legacy alias of `content`. */
export const ThreadCreateParams = z
  .strictObject({
    projectId: Id,
    environmentId: Id,
    agentId: Id,
    title: z.string(),
    appId: Id,
    content: z.string(),
    task: z.string(),
    stream: z.boolean(),
    metadata: Metadata,
  })
  .partial();
export type ThreadCreateParams = z.infer<typeof ThreadCreateParams>;

/** Body of `PATCH /v1/threads/{threadId}` [assumed]. */
export const ThreadUpdateParams = z
  .strictObject({ title: z.string(), metadata: Metadata.nullable() })
  .partial();
export type ThreadUpdateParams = z.infer<typeof ThreadUpdateParams>;

/** `{ thread }`: the envelope of thread create, retrieve and update. */
export const ThreadEnvelope = z.looseObject({ thread: Thread });
export type ThreadEnvelope = z.infer<typeof ThreadEnvelope>;
