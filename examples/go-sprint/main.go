// Command go-sprint is a Pulumi program in Go: the sprint of package sprint.
package main

import (
	"github.com/pulumi-acp/pulumi-acp/examples/go-sprint/sprint"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(sprint.Program)
}
