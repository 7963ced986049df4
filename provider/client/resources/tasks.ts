import type { RequestOptions } from "../core";
import { ResponseValidationError } from "../errors";
import {
  RunThreadParams,
  RunThreadResponse,
  StartThreadParams,
  StartThreadResponse,
  Task,
  TaskCreateParams,
  TaskEnvelope,
  TaskListPage,
  TaskListParams,
  TaskUpdateParams,
} from "../schemas";
import { APIResource } from "./resource";

/** Tasks: `/v1/tasks`. */
export class Tasks extends APIResource {
  /**
   * `POST /v1/tasks` [spec]. Always sends an Idempotency-Key (`opts.idempotencyKey`, else a
   * random UUID), so it is retried safely.
   */
  async create(params: TaskCreateParams, opts?: RequestOptions): Promise<Task> {
    const res = await this._client.request({
      route: "createTask",
      body: { schema: TaskCreateParams, value: params },
      response: TaskEnvelope,
      idempotent: true,
      opts,
    });
    return res.task;
  }

  /** `GET /v1/tasks/{taskId}` [assumed]. NotFoundError when there is no such task. */
  async retrieve(taskId: string, opts?: RequestOptions): Promise<Task> {
    const res = await this._client.request({
      route: "retrieveTask",
      pathParams: { taskId },
      response: TaskEnvelope,
      opts,
    });
    return res.task;
  }

  /** `PATCH /v1/tasks/{taskId}` [assumed]: the given fields only; `null` clears a field. */
  async update(taskId: string, params: TaskUpdateParams, opts?: RequestOptions): Promise<Task> {
    const res = await this._client.request({
      route: "updateTask",
      pathParams: { taskId },
      body: { schema: TaskUpdateParams, value: params },
      response: TaskEnvelope,
      opts,
    });
    return res.task;
  }

  /**
   * `DELETE /v1/tasks/{taskId}` [assumed]: 204 or 200. ConflictError (`has_dependents`) while
   * other tasks depend on it. A retry after a lost response may answer NotFoundError.
   */
  async delete(taskId: string, opts?: RequestOptions): Promise<void> {
    await this._client.request({ route: "deleteTask", pathParams: { taskId }, opts });
  }

  /** `GET /v1/tasks` [assumed]: one page, filtered by projectId, sprintId, status. */
  async list(params: TaskListParams = {}, opts?: RequestOptions): Promise<TaskListPage> {
    const query = this._client.validate(TaskListParams, params, "listTasks");
    return this._client.request({
      route: "listTasks",
      query,
      response: TaskListPage,
      opts,
    });
  }

  /** Every task matching the filters, following `nextCursor` page by page. */
  async *listAll(
    params: Omit<TaskListParams, "cursor"> = {},
    opts?: RequestOptions,
  ): AsyncIterable<Task> {
    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await this.list(
        { ...params, ...(cursor !== undefined ? { cursor } : {}) },
        opts,
      );
      yield* page.tasks;
      cursor = page.nextCursor ?? undefined;
      if (cursor !== undefined) {
        // A server that repeats a cursor would loop forever.
        if (seen.has(cursor)) {
          throw new ResponseValidationError(
            `ACP API GET /v1/tasks: nextCursor ${JSON.stringify(cursor)} repeated`,
          );
        }
        seen.add(cursor);
      }
    } while (cursor !== undefined);
  }

  /**
   * `POST /v1/tasks/{taskId}/start-thread` [spec]: creates the task's first thread. Sends an
   * Idempotency-Key. ConflictError `blocked_by_dependencies` or `already_started`.
   */
  async startThread(
    taskId: string,
    params: StartThreadParams = {},
    opts?: RequestOptions,
  ): Promise<StartThreadResponse> {
    return this._client.request({
      route: "startThread",
      pathParams: { taskId },
      body: { schema: StartThreadParams, value: params },
      response: StartThreadResponse,
      idempotent: true,
      opts,
    });
  }

  /**
   * `POST /v1/tasks/{taskId}/run-thread` [spec]: a new thread, run synchronously. Sends an
   * Idempotency-Key. InsufficientBudgetError, ConflictError `blocked_by_dependencies`.
   */
  async runThread(
    taskId: string,
    params: RunThreadParams = {},
    opts?: RequestOptions,
  ): Promise<RunThreadResponse> {
    return this._client.request({
      route: "runThread",
      pathParams: { taskId },
      body: { schema: RunThreadParams, value: params },
      response: RunThreadResponse,
      idempotent: true,
      opts,
    });
  }
}
