// Command gen-go-sdk writes the Go SDK of the `acp` provider plugin (sdk/go/acp) from its
// package schema (plugin/schema.json) with Pulumi's own Go code generator, which needs no
// language plugin: `pulumi package gen-sdk` would need pulumi-language-go, which the module
// proxy does not serve.
//
// Usage (from the repository root: npm run gen:go-sdk):
//
//	go run ./scripts/gen-go-sdk              # regenerate sdk/go/acp
//	go run ./scripts/gen-go-sdk -check       # exit 1 when the committed SDK is stale
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	root := flag.String("root", ".", "the repository root (holds plugin/schema.json and sdk/go)")
	check := flag.Bool("check", false, "compare with the committed SDK instead of writing it")
	flag.Parse()

	files, err := Generate(filepath.Join(*root, "plugin", "schema.json"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "gen-go-sdk: %v\n", err)
		os.Exit(1)
	}
	dir := filepath.Join(*root, SDKDir)
	if *check {
		stale, err := Compare(files, dir)
		if err != nil {
			fmt.Fprintf(os.Stderr, "gen-go-sdk: %v\n", err)
			os.Exit(1)
		}
		if len(stale) > 0 {
			fmt.Fprintf(os.Stderr, "gen-go-sdk: %s is stale (run npm run gen:go-sdk): %v\n", dir, stale)
			os.Exit(1)
		}
		fmt.Printf("%s is current (%d files)\n", dir, len(files))
		return
	}
	if err := Write(files, dir); err != nil {
		fmt.Fprintf(os.Stderr, "gen-go-sdk: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %d files under %s\n", len(files), dir)
}
