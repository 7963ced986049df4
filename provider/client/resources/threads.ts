import type { RequestOptions } from "../core";
import { Thread, ThreadCreateParams, ThreadEnvelope, ThreadUpdateParams } from "../schemas";
import { APIResource } from "./resource";

/** Threads: `/v1/threads`. */
export class Threads extends APIResource {
  /**
   * `POST /v1/threads` [spec]. With `content` the first message runs at once (costs budget:
   * InsufficientBudgetError). Sends an Idempotency-Key.
   */
  async create(params: ThreadCreateParams = {}, opts?: RequestOptions): Promise<Thread> {
    const res = await this._client.request({
      route: "createThread",
      body: { schema: ThreadCreateParams, value: params },
      response: ThreadEnvelope,
      idempotent: true,
      opts,
    });
    return res.thread;
  }

  /** `GET /v1/threads/{threadId}` [assumed]. */
  async retrieve(threadId: string, opts?: RequestOptions): Promise<Thread> {
    const res = await this._client.request({
      route: "retrieveThread",
      pathParams: { threadId },
      response: ThreadEnvelope,
      opts,
    });
    return res.thread;
  }

  /** `PATCH /v1/threads/{threadId}` [assumed]: title, metadata. */
  async update(
    threadId: string,
    params: ThreadUpdateParams,
    opts?: RequestOptions,
  ): Promise<Thread> {
    const res = await this._client.request({
      route: "updateThread",
      pathParams: { threadId },
      body: { schema: ThreadUpdateParams, value: params },
      response: ThreadEnvelope,
      opts,
    });
    return res.thread;
  }

  /** `DELETE /v1/threads/{threadId}` [assumed]: 204 or 200. */
  async delete(threadId: string, opts?: RequestOptions): Promise<void> {
    await this._client.request({ route: "deleteThread", pathParams: { threadId }, opts });
  }
}
