/** Components built from Task and TaskThread: TaskGraph, sprint files, and the graph helpers. */
export {
  TaskGraph,
  type DeclaredTasks,
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
  SPRINT_DESIGNS,
  TASK_KEY_PATTERN,
  type SprintDesign,
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
