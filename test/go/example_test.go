package acptest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi-acp/pulumi-acp/examples/go-sprint/sprint"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
)

// The program of examples/go-sprint, run inline: its tasks and dependencies reach the API, a
// second preview has nothing to do, and destroy removes them.
func TestExampleSprint(t *testing.T) {
	ctx := context.Background()
	stack := newStack(t, "go-sprint", sprint.Program)
	if err := stack.SetConfig(ctx, "projectId", auto.ConfigValue{Value: "proj_go_example"}); err != nil {
		t.Fatal(err)
	}
	before := len(emu.store(t).Tasks)
	if _, err := stack.Up(ctx, optup.SuppressProgress()); err != nil {
		t.Fatalf("up: %v", err)
	}
	store := emu.store(t)
	design := store.taskByTitle(t, "Design the checkout flow")
	build := store.taskByTitle(t, "Build the checkout flow")
	docs := store.taskByTitle(t, "Document the checkout flow")
	release := store.taskByTitle(t, "Release the checkout flow")
	if design.ProjectID != "proj_go_example" || design.Priority != "high" || build.Priority != "medium" {
		t.Errorf("design %+v, build %+v", design, build)
	}
	if !slices.Equal(build.DependencyIDs, []string{design.ID}) || !slices.Equal(docs.DependencyIDs, []string{design.ID}) {
		t.Errorf("build %v and docs %v should depend on design %s", build.DependencyIDs, docs.DependencyIDs, design.ID)
	}
	if deps := slices.Sorted(slices.Values(release.DependencyIDs)); !slices.Equal(deps, slices.Sorted(slices.Values([]string{build.ID, docs.ID}))) {
		t.Errorf("release depends on %v, want build and docs", release.DependencyIDs)
	}
	expectQuietPreview(t, stack, "second preview")
	if _, err := stack.Destroy(ctx, optdestroy.SuppressProgress()); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	if n := len(emu.store(t).Tasks); n != before {
		t.Errorf("after destroy: %d tasks, want %d", n, before)
	}
}

// The example type-checks its enum values: as written it compiles, and with one value
// misspelt, or given as a plain string, it does not.
func TestExampleMisspeltEnumDoesNotCompile(t *testing.T) {
	source, err := os.ReadFile(filepath.Join(repoRoot, "examples", "go-sprint", "sprint", "sprint.go"))
	if err != nil {
		t.Fatal(err)
	}
	const value = "acp.TaskPriorityUrgent"
	if !strings.Contains(string(source), value) {
		t.Fatalf("the example no longer sets %s", value)
	}
	cases := []struct {
		name, replacement, want string
	}{
		{"as written", value, ""},
		{"misspelt", "acp.TaskPriorityUrgnet", "undefined: acp.TaskPriorityUrgnet"},
		{"a plain string", `pulumi.String("urgent")`, "does not implement acp.TaskPriorityPtrInput"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// A package of this module (so it resolves the SDK), which `./...` skips (leading _).
			dir, err := os.MkdirTemp(".", "_enum-check-")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.RemoveAll(dir) })
			edited := strings.Replace(string(source), value, c.replacement, 1)
			if err := os.WriteFile(filepath.Join(dir, "sprint.go"), []byte(edited), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("go", "vet", "./"+filepath.Base(dir)).CombinedOutput()
			if c.want == "" {
				if err != nil {
					t.Fatalf("the example does not compile: %v\n%s", err, out)
				}
				return
			}
			if err == nil {
				t.Fatalf("compiled with %s", c.replacement)
			}
			if !strings.Contains(string(out), c.want) {
				t.Errorf("the compiler's error does not say %q:\n%s", c.want, out)
			}
		})
	}
}
