import type { AcpCore } from "../core";

/** Base of the resource classes: a thin wrapper over the client's request core. */
export class APIResource {
  protected readonly _client: AcpCore;

  constructor(client: AcpCore) {
    this._client = client;
  }
}
