// Package sprint declares a checkout sprint with the acp provider's Go SDK. It is a package of
// its own so that an Automation API program (or a test) can run it inline, as main.go runs it
// with pulumi.Run.
package sprint

import (
	"github.com/pulumi-acp/pulumi-acp/sdk/go/acp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

// Program declares the sprint: a TaskGraph of three tasks (build and docs wait for design, on
// which an agent's thread starts), a release task after build and docs, and a kickoff thread
// with no first message (no agent runs for it). Stack config `projectId` picks the project
// (default proj_web).
func Program(ctx *pulumi.Context) error {
	project := config.Get(ctx, "projectId")
	if project == "" {
		project = "proj_web"
	}
	sprint, err := acp.NewTaskGraph(ctx, "sprint", &acp.TaskGraphArgs{
		Defaults: &acp.TaskGraphDefaultsArgs{
			ProjectId: pulumi.String(project),
			Priority:  acp.TaskPriorityMedium,
			Status:    acp.TaskStatusTodo,
		},
		Tasks: acp.TaskGraphTaskMap{
			"design": acp.TaskGraphTaskArgs{
				Title:    pulumi.String("Design the checkout flow"),
				Priority: acp.TaskPriorityHigh,
				Thread: &acp.TaskGraphThreadArgs{
					Mode:  acp.ThreadModeStart,
					Title: pulumi.String("Checkout design"),
				},
			},
			"build": acp.TaskGraphTaskArgs{
				Title:       pulumi.String("Build the checkout flow"),
				Description: pulumi.String("Cart, payment and receipt pages"),
				DependsOn:   pulumi.StringArray{pulumi.String("design")},
			},
			"docs": acp.TaskGraphTaskArgs{
				Title:     pulumi.String("Document the checkout flow"),
				DueAt:     pulumi.String("2027-01-15"),
				DependsOn: pulumi.StringArray{pulumi.String("design")},
			},
		},
	})
	if err != nil {
		return err
	}
	release, err := acp.NewTask(ctx, "release", &acp.TaskArgs{
		Title:     pulumi.String("Release the checkout flow"),
		ProjectId: pulumi.String(project),
		Priority:  acp.TaskPriorityUrgent,
		DependencyIds: pulumi.StringArray{
			sprint.TaskIds.MapIndex(pulumi.String("build")),
			sprint.TaskIds.MapIndex(pulumi.String("docs")),
		},
	})
	if err != nil {
		return err
	}
	kickoff, err := acp.NewThread(ctx, "kickoff", &acp.ThreadArgs{
		ProjectId: pulumi.String(project),
		Title:     pulumi.String("Checkout kickoff"),
	})
	if err != nil {
		return err
	}
	ctx.Export("taskIds", sprint.TaskIds)
	ctx.Export("threadIds", sprint.ThreadIds)
	ctx.Export("releaseId", release.ID())
	ctx.Export("kickoffId", kickoff.ID())
	ctx.Export("mermaid", sprint.Mermaid)
	return nil
}
