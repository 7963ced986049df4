package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// SDKDir is where the generated package lives, relative to the repository root: the SDK's Go
// module (sdk/go/go.mod, kept by hand) holds the generated package `acp`.
const SDKDir = "sdk/go"

// ImportBasePath is the Go import path of the generated package.
const ImportBasePath = "github.com/pulumi-acp/pulumi-acp/sdk/go/acp"

// generatedRoot is the directory, under SDKDir, that holds only generated files: anything else
// in it is reported as stale.
const generatedRoot = "acp"

// tool names the generator in the files' "do not edit" headers.
const tool = "pulumi-acp gen-go-sdk"

// noExternalPackages is the schema loader for a package that references no other package: the
// binder asks for one only when the schema names another package's type.
type noExternalPackages struct{}

func (noExternalPackages) LoadPackage(name string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("the acp schema must not reference package %q", name)
}

func (noExternalPackages) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, fmt.Errorf("the acp schema must not reference package %q", d.Name)
}

// Generate binds the schema at schemaPath and returns the Go SDK's files by path relative to
// SDKDir.
func Generate(schemaPath string) (map[string][]byte, error) {
	data, err := os.ReadFile(schemaPath)
	if err != nil {
		return nil, err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		return nil, fmt.Errorf("%s: %w", schemaPath, err)
	}
	goInfo, err := json.Marshal(gogen.GoPackageInfo{
		ImportBasePath:   ImportBasePath,
		PulumiSDKVersion: 3,
		// The SDK asks the engine for the plugin of its own version, which pulumi-plugin.json
		// also names.
		RespectSchemaVersion: true,
	})
	if err != nil {
		return nil, err
	}
	if spec.Language == nil {
		spec.Language = map[string]schema.RawMessage{}
	}
	spec.Language["go"] = goInfo
	pkg, diags, err := schema.BindSpec(spec, noExternalPackages{}, schema.ValidationOptions{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", schemaPath, err)
	}
	if diags.HasErrors() {
		return nil, fmt.Errorf("%s does not bind: %s", schemaPath, diags.Error())
	}
	files, err := gogen.GeneratePackage(tool, pkg, nil)
	if err != nil {
		return nil, err
	}
	// Only the package itself: the module's go.mod and go.sum are kept by hand (they pin the
	// pulumi Go SDK), and the generator's .gitattributes would mark the whole module generated.
	out := map[string][]byte{}
	for name, content := range files {
		if strings.HasPrefix(name, generatedRoot+"/") {
			out[name] = content
		}
	}
	if len(out) == 0 {
		return nil, errors.New("the generator wrote no file under " + generatedRoot)
	}
	return out, nil
}

// Write replaces SDKDir/acp by files.
func Write(files map[string][]byte, dir string) error {
	if err := os.RemoveAll(filepath.Join(dir, generatedRoot)); err != nil {
		return err
	}
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Compare lists, sorted, the files of dir/acp that differ from files: changed, missing or not
// generated at all.
func Compare(files map[string][]byte, dir string) ([]string, error) {
	stale := []string{}
	seen := map[string]bool{}
	err := filepath.WalkDir(filepath.Join(dir, generatedRoot), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		seen[name] = true
		want, ok := files[name]
		if !ok {
			stale = append(stale, name+" (not generated)")
			return nil
		}
		got, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, want) {
			stale = append(stale, name+" (differs)")
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	for name := range files {
		if !seen[name] {
			stale = append(stale, name+" (missing)")
		}
	}
	sort.Strings(stale)
	return stale, nil
}
