/** Components built from Task and TaskThread: TaskGraph, sprint files, and the graph helpers. */
export {
  TaskGraph,
  type TaskGraphArgs,
  type TaskGraphDefaults,
  type TaskGraphTask,
  type TaskGraphThread,
} from "./task-graph";
export {
  loadSprintFile,
  parseSprintText,
  sprintFromObject,
  SprintFileError,
  TASK_KEY_PATTERN,
  type SprintFile,
} from "./sprint-file";
export {
  closeMatches,
  escapeMermaidLabel,
  findCycle,
  graphIssues,
  graphProblems,
  mermaidIds,
  toMermaid,
  validateGraph,
  TaskGraphError,
  type GraphIssue,
  type GraphNode,
  type MermaidNode,
} from "./graph";
