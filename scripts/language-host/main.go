// Command pulumi-language-nodejs is a small Node.js language host for the Pulumi engine.
//
// The engine runs a program from a directory with a Pulumi.yaml (`pulumi up`, `pulumi preview`,
// Automation API local workspaces) through a language host plugin. This one implements the part
// of the LanguageRuntime service that running a Node.js program needs: it starts the Node.js
// SDK's program runner (@pulumi/pulumi/cmd/run, found in the program's node_modules) with the
// engine's and monitor's addresses, the config in PULUMI_CONFIG and the TypeScript options of
// Pulumi.yaml's `runtime.options`, and maps the runner's exit code to the engine's answer. It
// also installs dependencies (npm install), reports the program's dependencies and the Node.js
// version, and cancels a running program.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// version is stamped by the build (-X main.version=...).
var version = "0.0.0-dev"

// exitAfterLoggedError is the runner's exit code after it has already reported the error to the
// engine: the host then only tells the engine to stop, without a second message.
const exitAfterLoggedError = 32

// runnerPath is the SDK's program runner, relative to a node_modules directory.
var runnerPath = filepath.Join("@pulumi", "pulumi", "cmd", "run")

// flagsWithValue are the engine's plugin flags that take their value as the next argument.
var flagsWithValue = map[string]bool{"-tracing": true, "--tracing": true, "-root": true, "--root": true}

func main() {
	engineAddress := ""
	args := os.Args[1:]
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			if flagsWithValue[a] {
				i++
			}
			continue
		}
		if engineAddress == "" {
			engineAddress = a
		}
	}

	host := &languageHost{engineAddress: engineAddress, running: map[*exec.Cmd]struct{}{}}
	cancel := make(chan bool)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: could not start the gRPC server: %v\n", err)
		os.Exit(1)
	}
	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
}

type languageHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	engineAddress string

	mu      sync.Mutex
	running map[*exec.Cmd]struct{}
}

func (h *languageHost) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *languageHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// GetRequiredPlugins: the programs this host runs need no resource plugin the engine must
// install ahead of time (dynamic providers are served by the SDK's own provider host).
func (h *languageHost) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *languageHost) GetRequiredPackages(
	context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (h *languageHost) RuntimeOptionsPrompts(
	context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

// Run starts the SDK's program runner and waits for it.
func (h *languageHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	programDir := req.GetPwd()
	rootDir := programDir
	entry := req.GetProgram()
	if info != nil {
		programDir, rootDir, entry = info.GetProgramDirectory(), info.GetRootDirectory(), info.GetEntryPoint()
	}
	if entry == "" {
		entry = "."
	}
	runner, err := findRunner(programDir, rootDir)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: "node is not on PATH: install Node.js 20 or later"}, nil
	}

	args := []string{runner,
		"--monitor", req.GetMonitorAddress(),
		"--engine", h.engineAddress,
		"--project", req.GetProject(),
		"--stack", req.GetStack(),
		"--pwd", programDir,
		"--root-directory", rootDir,
		"--parallel", strconv.Itoa(int(req.GetParallel())),
	}
	if req.GetOrganization() != "" {
		args = append(args, "--organization", req.GetOrganization())
	}
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	env, err := runEnv(req, info.GetOptions())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	cmd := exec.Command(node, args...)
	cmd.Dir = programDir
	cmd.Env = env
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not start node: %v", err)}, nil
	}
	h.track(cmd, true)
	defer h.track(cmd, false)
	stop := context.AfterFunc(ctx, func() { _ = cmd.Process.Kill() })
	defer stop()

	err = cmd.Wait()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return &pulumirpc.RunResponse{}, nil
	case errors.As(err, &exit) && exit.ExitCode() == exitAfterLoggedError:
		return &pulumirpc.RunResponse{Bail: true}, nil
	case errors.As(err, &exit) && exit.ExitCode() >= 0:
		return &pulumirpc.RunResponse{
			Error: fmt.Sprintf("the Node.js program exited with code %d", exit.ExitCode()),
		}, nil
	default:
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("the Node.js program did not finish: %v", err)}, nil
	}
}

// findRunner looks for node_modules/@pulumi/pulumi/cmd/run from the program directory up to
// the filesystem root (npm workspaces hoist packages to a parent).
func findRunner(dirs ...string) (string, error) {
	for _, start := range dirs {
		if start == "" {
			continue
		}
		for dir := start; ; dir = filepath.Dir(dir) {
			candidate := filepath.Join(dir, "node_modules", runnerPath, "index.js")
			if _, err := os.Stat(candidate); err == nil {
				return filepath.Dir(candidate), nil
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	return "", fmt.Errorf("could not find @pulumi/pulumi in node_modules of %s or of a parent "+
		"directory: run npm install in the project", dirs[0])
}

// runEnv is the runner's environment: this process's, the stack config, and the TypeScript
// settings from Pulumi.yaml's runtime.options (typescript, tsconfig, nodeargs).
func runEnv(req *pulumirpc.RunRequest, options *structpb.Struct) ([]string, error) {
	configMap := req.GetConfig()
	if configMap == nil {
		configMap = map[string]string{}
	}
	config, err := json.Marshal(configMap)
	if err != nil {
		return nil, err
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secrets, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(),
		"PULUMI_CONFIG="+string(config),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secrets),
	)
	opts := options.AsMap()
	typescript := true
	if v, ok := opts["typescript"].(bool); ok {
		typescript = v
	}
	env = append(env, "PULUMI_NODEJS_TYPESCRIPT="+strconv.FormatBool(typescript))
	if v, ok := opts["tsconfig"].(string); ok && v != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+v)
	}
	if v, ok := opts["nodeargs"].(string); ok && v != "" {
		env = append(env, "NODE_OPTIONS="+strings.TrimSpace(os.Getenv("NODE_OPTIONS")+" "+v))
	}
	return env, nil
}

func (h *languageHost) track(cmd *exec.Cmd, add bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if add {
		h.running[cmd] = struct{}{}
	} else {
		delete(h.running, cmd)
	}
}

// Cancel stops every program this host is running.
func (h *languageHost) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for cmd := range h.running {
		_ = cmd.Process.Kill()
	}
	return &emptypb.Empty{}, nil
}

// InstallDependencies runs npm install in the program directory, streaming its output.
func (h *languageHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	dir := req.GetDirectory()
	if info := req.GetInfo(); info != nil && info.GetProgramDirectory() != "" {
		dir = info.GetProgramDirectory()
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return status.Error(codes.FailedPrecondition, "npm is not on PATH: install Node.js 20 or later")
	}
	cmd := exec.CommandContext(server.Context(), npm, "install")
	cmd.Dir = dir
	cmd.Stdout = &streamWriter{send: func(b []byte) error {
		return server.Send(&pulumirpc.InstallDependenciesResponse{Stdout: b})
	}}
	cmd.Stderr = &streamWriter{send: func(b []byte) error {
		return server.Send(&pulumirpc.InstallDependenciesResponse{Stderr: b})
	}}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm install in %s: %w", dir, err)
	}
	return nil
}

type streamWriter struct {
	mu   sync.Mutex
	send func([]byte) error
}

func (w *streamWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.send(bytes.Clone(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// About reports the Node.js executable and its version.
func (h *languageHost) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, status.Error(codes.FailedPrecondition, "node is not on PATH")
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("node --version: %w", err)
	}
	return &pulumirpc.AboutResponse{
		Executable: node,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
	}, nil
}

// GetProgramDependencies lists the dependencies of the nearest package.json that declares any,
// from the program directory up to the project root, with the versions installed in node_modules.
func (h *languageHost) GetProgramDependencies(
	_ context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir, root := req.GetPwd(), req.GetPwd()
	if info := req.GetInfo(); info != nil && info.GetProgramDirectory() != "" {
		dir, root = info.GetProgramDirectory(), info.GetRootDirectory()
	}
	var manifest struct {
		Dependencies    map[string]string `json:"dependencies"`
		DevDependencies map[string]string `json:"devDependencies"`
	}
	for {
		err := readJSON(filepath.Join(dir, "package.json"), &manifest)
		if err == nil && len(manifest.Dependencies)+len(manifest.DevDependencies) > 0 {
			break
		}
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		parent := filepath.Dir(dir)
		if dir == root || root == "" || parent == dir || !strings.HasPrefix(dir, root) {
			return &pulumirpc.GetProgramDependenciesResponse{}, nil
		}
		dir = parent
	}
	names := []string{}
	for name := range manifest.Dependencies {
		names = append(names, name)
	}
	if req.GetTransitiveDependencies() {
		for name := range manifest.DevDependencies {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	deps := make([]*pulumirpc.DependencyInfo, 0, len(names))
	for _, name := range names {
		var installed struct {
			Version string `json:"version"`
		}
		if err := readJSON(filepath.Join(dir, "node_modules", name, "package.json"), &installed); err != nil {
			continue
		}
		deps = append(deps, &pulumirpc.DependencyInfo{Name: name, Version: installed.Version})
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}

func readJSON(path string, into any) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, into)
}
