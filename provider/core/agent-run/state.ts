/** What an AgentRun records in the state: the run, its last events, and the inputs the API cannot return. */
import type { RunEnvelope } from "../../client";
import { definedOnly } from "../compare";
import { fieldsWhere, recordedInputs, type FieldPolicy } from "../fields";
import { RUN_EVENTS_KEPT, RUN_FIELDS } from "./fields";
import type { AgentRunProviderInputs } from "./inputs";

/** The AgentRun's table, by field. */
export const POLICIES: Readonly<Record<string, FieldPolicy>> = RUN_FIELDS;
/** Inputs kept in the state only: the API cannot return them. */
export const STATE_INPUTS = fieldsWhere(RUN_FIELDS, (p) => p.input && p.source === "state");
/** API inputs recorded as the program gave them, when it gave them. */
const ECHOED_INPUTS = fieldsWhere(RUN_FIELDS, (p) => p.input && p.echo === true);

/** The run's outputs: its fields, its last events, and the inputs the API cannot return. */
export function runOutputs(
  env: RunEnvelope,
  inputs: Partial<AgentRunProviderInputs>,
): Record<string, unknown> {
  const outs: Record<string, unknown> = { ...definedOnly(env.run) };
  delete outs.id;
  outs.events = (env.events ?? []).slice(-RUN_EVENTS_KEPT).map((e) => definedOnly(e));
  const given = inputs as Record<string, unknown>;
  for (const field of STATE_INPUTS) {
    const value = given[field] ?? POLICIES[field].default;
    if (value !== undefined) outs[field] = value;
    else delete outs[field];
  }
  for (const field of ECHOED_INPUTS) {
    if (given[field] !== undefined) outs[field] = given[field];
  }
  return outs;
}

/** The recorded inputs among the outputs of a run (unknowns left out). */
export function pickInputs(props: Record<string, unknown>): Partial<AgentRunProviderInputs> {
  return recordedInputs(RUN_FIELDS, props) as Partial<AgentRunProviderInputs>;
}
