/**
 * The ACP API emulator: an HTTP server that reproduces the ACP API's routes and behaviour (see
 * README.md beside this file) for tests, examples and benchmarks. Build it with
 * `createEmulator()`, then `listen()`; or run the `acp-emulator` CLI.
 */
export {
  createEmulator,
  BODY_LIMIT_BYTES,
  type Emulator,
  type EmulatorOptions,
  type EmulatorStats,
  type RequestLogEntry,
} from "./app";
export type { AgentOptions } from "./agent";
export {
  FAULT_HEADER,
  parseFaultHeader,
  seededRandom,
  type FaultOptions,
  type ServerFaults,
} from "./faults";
export type { StoreSnapshot } from "./store";
export { CONTRACT_VARIANT, type ApiVariant, type ApiVariantOptions } from "./variants";
