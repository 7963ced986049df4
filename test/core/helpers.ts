/** What the core suites share. */

/** A Task's outputs as the provider stores them after a create of `inputs` (server defaults added). */
export function storedTask(
  inputs: Record<string, unknown>,
  server: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    status: "backlog",
    priority: "medium",
    dependencyIds: [],
    linkedThreadIds: [],
    metadata: {},
    sortOrder: 0,
    ...inputs,
    ...server,
    managedFields: Object.keys(inputs).filter((k) => k !== "adoptExistingId"),
  };
}
