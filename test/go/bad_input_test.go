package acptest

import (
	"context"
	"strings"
	"testing"

	"github.com/pulumi-acp/pulumi-acp/sdk/go/acp"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Bad input fails at preview, before any request, naming the resource and the field, with the
// messages the TypeScript resources give (test/reliability/bad-input-preview.test.ts, test/e2e/plugin-yaml.test.ts): the provider
// checks it, whatever the program's language. A value the Go types cannot catch (a string
// converted to an enum type, a key of the graph) is caught there.
func TestBadInputFailsAtPreview(t *testing.T) {
	cases := []struct {
		name    string
		program pulumi.RunFunc
		want    []string
	}{
		{
			name: "blank title",
			program: func(ctx *pulumi.Context) error {
				_, err := acp.NewTask(ctx, "bad", &acp.TaskArgs{Title: pulumi.String("   ")})
				return err
			},
			want: []string{"acp:index:Task resource 'bad': property title", "must not be empty or blank"},
		},
		{
			name: "priority not listed",
			program: func(ctx *pulumi.Context) error {
				_, err := acp.NewTask(ctx, "bad", &acp.TaskArgs{
					Title:    pulumi.String("T"),
					Priority: acp.TaskPriority("critical"),
				})
				return err
			},
			want: []string{"acp:index:Task resource 'bad': property priority", `expected one of "low"|"medium"|"high"|"urgent"`},
		},
		{
			name: "date without a time zone",
			program: func(ctx *pulumi.Context) error {
				_, err := acp.NewTask(ctx, "bad", &acp.TaskArgs{
					Title:       pulumi.String("T"),
					CompletedAt: pulumi.String("2026-11-23T09:00:00"),
				})
				return err
			},
			want: []string{"acp:index:Task resource 'bad': property completedAt", "time zone"},
		},
		{
			name: "thread message without mode run",
			program: func(ctx *pulumi.Context) error {
				_, err := acp.NewTaskThread(ctx, "bad", &acp.TaskThreadArgs{
					TaskId:  pulumi.String("task_1"),
					Message: pulumi.String("hi"),
				})
				return err
			},
			want: []string{"acp:index:TaskThread resource 'bad': property message", `mode "run"`},
		},
		{
			name: "graph key misspelt",
			program: func(ctx *pulumi.Context) error {
				_, err := acp.NewTaskGraph(ctx, "sprint", &acp.TaskGraphArgs{
					Tasks: acp.TaskGraphTaskMap{
						"design": acp.TaskGraphTaskArgs{Title: pulumi.String("Design")},
						"docs": acp.TaskGraphTaskArgs{
							Title:     pulumi.String("Docs"),
							DependsOn: pulumi.StringArray{pulumi.String("desgin")},
						},
					},
				})
				return err
			},
			want: []string{`TaskGraph "sprint": invalid task graph: task "docs" depends on unknown task "desgin" (did you mean "design"?)`},
		},
		{
			name: "graph cycle",
			program: func(ctx *pulumi.Context) error {
				_, err := acp.NewTaskGraph(ctx, "sprint", &acp.TaskGraphArgs{
					Tasks: acp.TaskGraphTaskMap{
						"design": acp.TaskGraphTaskArgs{
							Title:     pulumi.String("Design"),
							DependsOn: pulumi.StringArray{pulumi.String("docs")},
						},
						"docs": acp.TaskGraphTaskArgs{
							Title:     pulumi.String("Docs"),
							DependsOn: pulumi.StringArray{pulumi.String("design")},
						},
					},
				})
				return err
			},
			want: []string{`TaskGraph "sprint": invalid task graph: dependency cycle: design -> docs -> design`},
		},
	}
	var program pulumi.RunFunc
	stack := newStack(t, "acp-go-bad-input", func(ctx *pulumi.Context) error { return program(ctx) })
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			program = c.program
			before := emu.store(t)
			emu.resetStats(t)
			_, err := stack.Preview(context.Background(), optpreview.SuppressProgress())
			if err == nil {
				t.Fatal("preview succeeded")
			}
			for _, want := range c.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the error does not say %q:\n%v", want, err)
				}
			}
			after := emu.store(t)
			if len(after.Tasks) != len(before.Tasks) || len(after.Threads) != len(before.Threads) {
				t.Errorf("the store changed: %d tasks, %d threads before; %d, %d after",
					len(before.Tasks), len(before.Threads), len(after.Tasks), len(after.Threads))
			}
			if n := emu.stats(t).TotalRequests; n != 0 {
				t.Errorf("preview sent %d requests", n)
			}
		})
	}
}
