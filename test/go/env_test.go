// Package acptest drives Go programs that use the generated SDK (sdk/go/acp) through the real
// Pulumi engine, with the `acp` provider plugin of this repository, against the ACP emulator.
// Inline Automation API programs run in this process: no Go language host is involved.
package acptest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The process-wide setup of TestMain: one emulator and one engine for every test.
var (
	repoRoot    string
	pulumiCmd   auto.PulumiCommand
	emu         *emulator
	engineEnv   map[string]string
	emulatorTok string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	repoRoot, err = filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if _, err := os.Stat(filepath.Join(repoRoot, "dist", "provider", "plugin", "main.js")); err != nil {
		fmt.Fprintln(os.Stderr, "the package is not built: run npm run build first")
		return 1
	}
	binDir, err := engineBinDir()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	pulumiCmd, err = auto.NewPulumiCommand(&auto.PulumiCommandOptions{
		Root:             filepath.Dir(binDir),
		SkipVersionCheck: true,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	work, err := os.MkdirTemp("", "acp-go-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(work)

	tokenBytes := make([]byte, 8)
	_, _ = rand.Read(tokenBytes)
	emulatorTok = "go-secret-" + hex.EncodeToString(tokenBytes)
	emu, err = startEmulator(emulatorTok)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer emu.stop()

	// The engine finds the provider plugin (plugin/pulumi-resource-acp) and itself on PATH; it
	// never downloads a plugin, and keeps its state and home in the temporary directory.
	path := strings.Join([]string{filepath.Join(repoRoot, "plugin"), binDir, os.Getenv("PATH")},
		string(os.PathListSeparator))
	engineEnv = map[string]string{
		"PATH":                     path,
		"PULUMI_BACKEND_URL":       "file://" + filepath.Join(work, "state"),
		"PULUMI_HOME":              filepath.Join(work, "home"),
		"PULUMI_CONFIG_PASSPHRASE": "pulumi-acp-go-test",
		"PULUMI_SKIP_UPDATE_CHECK": "true",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		"PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK":    "true",
	}
	for _, dir := range []string{"state", "home"} {
		if err := os.MkdirAll(filepath.Join(work, dir), 0o755); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	// The inline program runs in this process, which must also see the plugin on PATH.
	os.Setenv("PATH", path)
	return m.Run()
}

// engineBinDir is the directory of the `pulumi` CLI: the one the jest global setup ensured, or
// the one scripts/ensure-pulumi finds or builds.
func engineBinDir() (string, error) {
	if dir := os.Getenv("PULUMI_ACP_BIN_DIR"); dir != "" {
		return dir, nil
	}
	cmd := exec.Command("bash", filepath.Join(repoRoot, "scripts", "ensure-pulumi"))
	cmd.Dir = repoRoot
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("scripts/ensure-pulumi: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1], nil
}

// emulator is an ACP API emulator (dist/emulator/main.js) run as a child process.
type emulator struct {
	cmd *exec.Cmd
	url string
}

func startEmulator(token string) (*emulator, error) {
	cmd := exec.Command("node", filepath.Join(repoRoot, "dist", "emulator", "main.js"),
		"--port", "0", "--token", token)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the emulator (node on PATH?): %w", err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	const prefix = "acp-emulator listening on "
	if err != nil || !strings.HasPrefix(line, prefix) {
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("the emulator did not start: %q %v", line, err)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return &emulator{cmd: cmd, url: strings.TrimSpace(strings.TrimPrefix(line, prefix))}, nil
}

func (e *emulator) stop() {
	_ = e.cmd.Process.Kill()
	_ = e.cmd.Wait()
}

// call sends a request to the emulator and decodes its JSON answer into out (when not nil).
func (e *emulator) call(t *testing.T, method, path string, body, out any) {
	t.Helper()
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.url+path, reader)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+emulatorTok)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, data)
		}
	}
}

// apiTask is a task of the emulator's store.
type apiTask struct {
	ID            string         `json:"id"`
	Title         string         `json:"title"`
	Priority      string         `json:"priority"`
	Status        string         `json:"status"`
	ProjectID     string         `json:"projectId"`
	DependencyIDs []string       `json:"dependencyIds"`
	LinkedThreads []string       `json:"linkedThreadIds"`
	Metadata      map[string]any `json:"metadata"`
}

// apiThread is a thread of the emulator's store.
type apiThread struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// apiRun is an agent run of the emulator's store.
type apiRun struct {
	ID       string `json:"id"`
	ServerID string `json:"serverId"`
	Status   string `json:"status"`
	ThreadID string `json:"threadId"`
}

// storeSnapshot is GET /__emulator/store.
type storeSnapshot struct {
	Tasks   []apiTask   `json:"tasks"`
	Threads []apiThread `json:"threads"`
	Runs    []apiRun    `json:"runs"`
}

func (e *emulator) store(t *testing.T) storeSnapshot {
	t.Helper()
	var s storeSnapshot
	e.call(t, http.MethodGet, "/__emulator/store", nil, &s)
	return s
}

// stats is the part of GET /__emulator/stats the tests read.
type stats struct {
	TotalRequests   int            `json:"totalRequests"`
	AgentExecutions map[string]int `json:"agentExecutions"`
}

func (e *emulator) stats(t *testing.T) stats {
	t.Helper()
	var s stats
	e.call(t, http.MethodGet, "/__emulator/stats", nil, &s)
	return s
}

func (e *emulator) resetStats(t *testing.T) {
	t.Helper()
	e.call(t, http.MethodPost, "/__emulator/stats/reset", nil, nil)
}

// taskByTitle is the store's task titled title; the test fails when there is not exactly one.
func (s storeSnapshot) taskByTitle(t *testing.T, title string) apiTask {
	t.Helper()
	var found []apiTask
	for _, task := range s.Tasks {
		if task.Title == title {
			found = append(found, task)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one task titled %q in the store, found %d: %+v", title, len(found), s.Tasks)
	}
	return found[0]
}

// newStack makes a stack of project on the test backend, running program, with the provider
// configured for the emulator. The stack is removed when the test ends.
func newStack(t *testing.T, project string, program pulumi.RunFunc) auto.Stack {
	t.Helper()
	ctx := context.Background()
	stack, err := auto.UpsertStackInlineSource(ctx, "test", project, program,
		auto.Pulumi(pulumiCmd), auto.EnvVars(engineEnv), auto.PulumiHome(engineEnv["PULUMI_HOME"]))
	if err != nil {
		t.Fatalf("creating the stack: %v", err)
	}
	if err := stack.SetConfig(ctx, "acp:baseUrl", auto.ConfigValue{Value: emu.url}); err != nil {
		t.Fatal(err)
	}
	if err := stack.SetConfig(ctx, "acp:token", auto.ConfigValue{Value: emulatorTok, Secret: true}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = stack.Workspace().RemoveStack(context.Background(), "test")
	})
	return stack
}
