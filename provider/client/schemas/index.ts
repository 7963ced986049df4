/**
 * The ACP API's shapes: one zod schema per object, request body, response envelope and error
 * body, each with a type of the same name. The only definition of the API in this project:
 * the client and the emulator both import it.
 */
export * from "./common";
export * from "./task";
export * from "./thread";
export * from "./run";
export * from "./error";
export * from "./routes";
