package acptest

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/pulumi-acp/pulumi-acp/sdk/go/acp"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// sprintProgram declares a 3-task graph (build depends on design, ship on build) with a thread
// started on design, a task after the graph, a task with its own TaskThread, a free-standing
// thread and an agent run. Its fields are what the test changes between operations.
type sprintProgram struct {
	buildPriority acp.TaskPriority
	// importID, when set, adopts the task of that id as "handmade".
	importID string
}

func (p *sprintProgram) run(ctx *pulumi.Context) error {
	graph, err := acp.NewTaskGraph(ctx, "sprint", &acp.TaskGraphArgs{
		Defaults: &acp.TaskGraphDefaultsArgs{
			ProjectId: pulumi.String("proj_go"),
			Priority:  acp.TaskPriorityMedium,
		},
		Tasks: acp.TaskGraphTaskMap{
			"design": acp.TaskGraphTaskArgs{
				Title:  pulumi.String("Design the checkout"),
				Thread: &acp.TaskGraphThreadArgs{Mode: acp.ThreadModeStart},
			},
			"build": acp.TaskGraphTaskArgs{
				Title:     pulumi.String("Build the checkout"),
				Priority:  p.buildPriority,
				DependsOn: pulumi.StringArray{pulumi.String("design")},
			},
			"ship": acp.TaskGraphTaskArgs{
				Title:     pulumi.String("Ship the checkout"),
				Status:    acp.TaskStatusTodo,
				DependsOn: pulumi.StringArray{pulumi.String("build")},
			},
		},
	})
	if err != nil {
		return err
	}
	release, err := acp.NewTask(ctx, "release", &acp.TaskArgs{
		Title:         pulumi.String("Release the checkout"),
		ProjectId:     pulumi.String("proj_go"),
		DependencyIds: pulumi.StringArray{graph.TaskIds.MapIndex(pulumi.String("ship"))},
	})
	if err != nil {
		return err
	}
	// A thread starts only on a task whose dependencies are done: triage has none.
	triage, err := acp.NewTask(ctx, "triage", &acp.TaskArgs{
		Title:     pulumi.String("Triage the checkout bugs"),
		ProjectId: pulumi.String("proj_go"),
	})
	if err != nil {
		return err
	}
	if _, err := acp.NewTaskThread(ctx, "triage-thread", &acp.TaskThreadArgs{
		TaskId: triage.ID(),
		Mode:   acp.ThreadModeStart,
		Title:  pulumi.String("Triage thread"),
	}); err != nil {
		return err
	}
	if _, err := acp.NewThread(ctx, "notes", &acp.ThreadArgs{
		ProjectId: pulumi.String("proj_go"),
		Title:     pulumi.String("Checkout notes"),
	}); err != nil {
		return err
	}
	review, err := acp.NewAgentRun(ctx, "review", &acp.AgentRunArgs{
		ServerId: pulumi.String("srv_go"),
		Prompt:   pulumi.String("Review the checkout plan"),
		Mode:     acp.RunModeSync,
	})
	if err != nil {
		return err
	}
	if p.importID != "" {
		if _, err := acp.NewTask(ctx, "handmade", &acp.TaskArgs{
			Title:    pulumi.String("Made by hand"),
			Priority: acp.TaskPriorityHigh,
		}, pulumi.Import(pulumi.ID(p.importID))); err != nil {
			return err
		}
	}
	ctx.Export("taskIds", graph.TaskIds)
	ctx.Export("threadIds", graph.ThreadIds)
	ctx.Export("releaseId", release.ID())
	ctx.Export("reviewStatus", review.Status)
	return nil
}

// expectQuietPreview previews stack, which must show no changes and send not one request to
// the API.
func expectQuietPreview(t *testing.T, stack auto.Stack, what string) {
	t.Helper()
	emu.resetStats(t)
	preview, err := stack.Preview(context.Background(), optpreview.SuppressProgress())
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if c := changes(preview.ChangeSummary); len(c) != 0 {
		t.Errorf("%s: want no changes, got %v", what, c)
	}
	if n := emu.stats(t).TotalRequests; n != 0 {
		t.Errorf("%s: want 0 API requests, got %d", what, n)
	}
}

// changes is a preview's change summary without its unchanged resources.
func changes(summary map[apitype.OpType]int) map[string]int {
	out := map[string]int{}
	for op, n := range summary {
		if op != apitype.OpSame && n > 0 {
			out[string(op)] = n
		}
	}
	return out
}

// updateChanges is an update's change summary without its unchanged resources.
func updateChanges(summary auto.UpdateSummary) map[string]int {
	out := map[string]int{}
	if summary.ResourceChanges == nil {
		return out
	}
	for op, n := range *summary.ResourceChanges {
		if op != string(apitype.OpSame) && n > 0 {
			out[op] = n
		}
	}
	return out
}

func TestSprintLifecycle(t *testing.T) {
	ctx := context.Background()
	program := &sprintProgram{buildPriority: acp.TaskPriorityLow}
	stack := newStack(t, "acp-go-lifecycle", program.run)
	tasksBefore := len(emu.store(t).Tasks)

	// up: the graph's three tasks with their dependency chain, and every other kind.
	up, err := stack.Up(ctx, optup.SuppressProgress())
	if err != nil {
		t.Fatalf("up: %v", err)
	}
	store := emu.store(t)
	design := store.taskByTitle(t, "Design the checkout")
	build := store.taskByTitle(t, "Build the checkout")
	ship := store.taskByTitle(t, "Ship the checkout")
	release := store.taskByTitle(t, "Release the checkout")
	triage := store.taskByTitle(t, "Triage the checkout bugs")
	if len(store.Tasks) != tasksBefore+5 {
		t.Errorf("want 5 new tasks, the store has %d more", len(store.Tasks)-tasksBefore)
	}
	if !slices.Equal(build.DependencyIDs, []string{design.ID}) ||
		!slices.Equal(ship.DependencyIDs, []string{build.ID}) ||
		!slices.Equal(release.DependencyIDs, []string{ship.ID}) {
		t.Errorf("dependencies: build %v (want [%s]), ship %v (want [%s]), release %v (want [%s])",
			build.DependencyIDs, design.ID, ship.DependencyIDs, build.ID, release.DependencyIDs, ship.ID)
	}
	if design.Priority != "medium" || build.Priority != "low" || ship.Status != "todo" ||
		design.ProjectID != "proj_go" {
		t.Errorf("task fields: design %+v, build %+v, ship %+v", design, build, ship)
	}
	taskIDs, _ := up.Outputs["taskIds"].Value.(map[string]any)
	if taskIDs["design"] != design.ID || taskIDs["build"] != build.ID || taskIDs["ship"] != ship.ID {
		t.Errorf("output taskIds %v, want the store's ids", taskIDs)
	}
	threadIDs, _ := up.Outputs["threadIds"].Value.(map[string]any)
	isThread := func(id string) bool {
		return slices.ContainsFunc(store.Threads, func(th apiThread) bool { return th.ID == id })
	}
	if ids := design.LinkedThreads; len(ids) != 1 || threadIDs["design"] != ids[0] || !isThread(ids[0]) {
		t.Errorf("design's threads %v, output threadIds %v", ids, threadIDs)
	}
	if ids := triage.LinkedThreads; len(ids) != 1 || !isThread(ids[0]) {
		t.Errorf("triage's threads %v, want one", ids)
	}
	if !slices.ContainsFunc(store.Threads, func(th apiThread) bool { return th.Title == "Checkout notes" }) {
		t.Errorf("no thread titled Checkout notes in %+v", store.Threads)
	}
	if len(store.Runs) != 1 || store.Runs[0].ServerID != "srv_go" || up.Outputs["reviewStatus"].Value != "completed" {
		t.Errorf("runs %+v, reviewStatus %v", store.Runs, up.Outputs["reviewStatus"].Value)
	}
	runsPaid := emu.stats(t).AgentExecutions["serverRun"]
	if runsPaid != 1 {
		t.Errorf("the agent ran %d times, want 1", runsPaid)
	}

	expectQuietPreview(t, stack, "second preview")

	// An edit of one field updates that task in place, and only it.
	program.buildPriority = acp.TaskPriorityHigh
	edit, err := stack.Up(ctx, optup.SuppressProgress())
	if err != nil {
		t.Fatalf("up after an edit: %v", err)
	}
	if c := updateChanges(edit.Summary); len(c) != 1 || c[string(apitype.OpUpdate)] != 1 {
		t.Errorf("edit: want one update, got %v", c)
	}
	after := emu.store(t)
	if got := after.taskByTitle(t, "Build the checkout"); got.ID != build.ID || got.Priority != "high" {
		t.Errorf("edited task: %+v, want %s with priority high", got, build.ID)
	}
	if got := after.taskByTitle(t, "Design the checkout"); got.Priority != "medium" {
		t.Errorf("design changed: %+v", got)
	}
	if n := emu.stats(t).AgentExecutions["serverRun"]; n != 0 {
		t.Errorf("the edit ran the agent again (%d times)", n)
	}

	// Import of a task made by hand: adopted as it is, then managed.
	var made struct {
		Task apiTask `json:"task"`
	}
	emu.call(t, http.MethodPost, "/v1/tasks", map[string]any{"title": "Made by hand", "priority": "high"}, &made)
	program.importID = made.Task.ID
	imported, err := stack.Up(ctx, optup.SuppressProgress())
	if err != nil {
		t.Fatalf("up importing %s: %v", made.Task.ID, err)
	}
	if c := updateChanges(imported.Summary); len(c) != 1 || c[string(apitype.OpImport)] != 1 {
		t.Errorf("import: want one import, got %v", c)
	}
	after = emu.store(t)
	if got := after.taskByTitle(t, "Made by hand"); got.ID != made.Task.ID || got.Priority != "high" {
		t.Errorf("imported task: %+v", got)
	}
	if len(after.Tasks) != tasksBefore+6 {
		t.Errorf("the import created a task: %d tasks, want %d", len(after.Tasks), tasksBefore+6)
	}
	expectQuietPreview(t, stack, "preview after the import")

	// destroy: every task and thread the stack managed is gone, the imported task too; the run
	// stays (the API cannot delete one), with its own thread only.
	if _, err := stack.Destroy(ctx, optdestroy.SuppressProgress()); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	final := emu.store(t)
	if len(final.Tasks) != tasksBefore {
		t.Errorf("after destroy: %d tasks left, want %d: %+v", len(final.Tasks), tasksBefore, final.Tasks)
	}
	if len(final.Runs) != 1 {
		t.Fatalf("after destroy: runs %+v, want the one run", final.Runs)
	}
	for _, th := range final.Threads {
		if th.ID != final.Runs[0].ThreadID {
			t.Errorf("after destroy: thread %+v is left", th)
		}
	}
}
