package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The committed SDK is what the generator writes from the committed schema, so a change to the
// schema that was not followed by `npm run gen:go-sdk` fails here.
func TestCommittedSDKIsCurrent(t *testing.T) {
	root := filepath.Join("..", "..")
	files, err := Generate(filepath.Join(root, "plugin", "schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	stale, err := Compare(files, filepath.Join(root, SDKDir))
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) > 0 {
		t.Fatalf("sdk/go is stale (run npm run gen:go-sdk): %s", strings.Join(stale, ", "))
	}
}

// Compare finds each way a directory can differ from the generated files.
func TestCompareReportsChangedMissingAndExtraFiles(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{"acp/a.go": []byte("a"), "acp/b.go": []byte("b"), "acp/c.go": []byte("c")}
	if err := Write(files, dir); err != nil {
		t.Fatal(err)
	}
	if stale, err := Compare(files, dir); err != nil || len(stale) != 0 {
		t.Fatalf("fresh copy: stale %v, err %v", stale, err)
	}
	must(t, os.WriteFile(filepath.Join(dir, "acp", "a.go"), []byte("edited"), 0o644))
	must(t, os.Remove(filepath.Join(dir, "acp", "b.go")))
	must(t, os.WriteFile(filepath.Join(dir, "acp", "d.go"), []byte("d"), 0o644))
	stale, err := Compare(files, dir)
	if err != nil {
		t.Fatal(err)
	}
	want := "acp/a.go (differs), acp/b.go (missing), acp/d.go (not generated)"
	if got := strings.Join(stale, ", "); got != want {
		t.Fatalf("stale: %s, want %s", got, want)
	}
}

// The package the SDK's users import carries the plugin's name and the schema's version, and
// every resource of the schema.
func TestGeneratesEveryResourceAndThePluginFile(t *testing.T) {
	files, err := Generate(filepath.Join("..", "..", "plugin", "schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"task.go", "taskThread.go", "thread.go", "agentRun.go", "taskGraph.go", "provider.go", "pulumiEnums.go"} {
		if _, ok := files["acp/"+name]; !ok {
			t.Errorf("no acp/%s among %d files", name, len(files))
		}
	}
	plugin := string(files["acp/pulumi-plugin.json"])
	if !strings.Contains(plugin, `"name": "acp"`) || !strings.Contains(plugin, `"resource": true`) {
		t.Errorf("pulumi-plugin.json: %s", plugin)
	}
	if !strings.Contains(string(files["acp/taskGraph.go"]), "RegisterRemoteComponentResource") {
		t.Error("TaskGraph is not registered as a component the plugin constructs")
	}
}

// Every field of a known type has a Go type: only metadata (free-form JSON), triggers (any
// values) and a Sprint's recorded fields (the last applied value of any task field) are untyped
// maps and arrays.
func TestOnlyFreeFormFieldsAreUntyped(t *testing.T) {
	files, err := Generate(filepath.Join("..", "..", "plugin", "schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	untyped := regexp.MustCompile(`(?m)^\t([A-Z]\w*) +(map\[string\]interface\{\}|\[\]interface\{\}|interface\{\}|pulumi\.(?:Map|Array|Any)\w*)`)
	fields := 0
	for name, content := range files {
		for _, m := range untyped.FindAllStringSubmatch(string(content), -1) {
			fields++
			if m[1] != "Metadata" && m[1] != "Triggers" && m[1] != "Fields" {
				t.Errorf("%s: %s is %s", name, m[1], m[2])
			}
		}
	}
	if fields == 0 {
		t.Error("no metadata or triggers field found: the pattern no longer matches the generated code")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
