/**
 * One program, one stack per environment: the stack config (Pulumi.<stack>.yaml beside this
 * file) sets the project, the sprint, the default priority and how many services the release
 * covers. Each service is a chain build -> test -> deploy; the release waits for every deploy.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PulumiFn } from "@pulumi/pulumi/automation";
import { TaskGraph, type TaskGraphTask, type TaskGraphDefaults } from "pulumi-acp";

/** The services a release covers, in order; `scale` takes the first N. */
export const SERVICES = ["checkout", "invoices", "notifications", "search", "accounts"] as const;

/** The tasks of one environment: a build/test/deploy chain per service and a release task. */
export function environmentTasks(
  environment: string,
  scale: number,
): Record<string, TaskGraphTask> {
  const tasks: Record<string, TaskGraphTask> = {};
  const deploys: string[] = [];
  for (const service of SERVICES.slice(0, scale)) {
    tasks[`${service}-build`] = { title: `Build ${service} for ${environment}` };
    tasks[`${service}-test`] = {
      title: `Run ${service} integration tests on ${environment}`,
      dependsOn: [`${service}-build`],
    };
    tasks[`${service}-deploy`] = {
      title: `Deploy ${service} to ${environment}`,
      dependsOn: [`${service}-test`],
    };
    deploys.push(`${service}-deploy`);
  }
  tasks.release = { title: `Sign off the ${environment} release`, dependsOn: deploys };
  return tasks;
}

/**
 * The program: reads `sprintId` (required), `projectId`, `defaultPriority` and `scale`
 * (1..5, default 1) from the stack config and declares the environment's TaskGraph.
 */
export function environmentProgram(): PulumiFn {
  return async () => {
    const config = new pulumi.Config();
    const environment = pulumi.getStack();
    const scale = config.getNumber("scale", { min: 1, max: SERVICES.length }) ?? 1;
    const defaults: TaskGraphDefaults = {
      sprintId: config.require("sprintId"),
      projectId: config.get("projectId"),
      priority: config.get("defaultPriority", {
        allowedValues: ["low", "medium", "high", "urgent"],
      }) as TaskGraphDefaults["priority"],
      metadata: { environment },
    };
    const graph = new TaskGraph(environment, {
      tasks: environmentTasks(environment, scale),
      defaults,
    });
    return { taskIds: graph.taskIds, mermaid: graph.mermaid };
  };
}
