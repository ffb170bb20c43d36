// Command runner runs benchmark commands and measures the heap of each
// benchmark. See 'runner help'.
package main

import (
	"os"

	"memtally.dev/runner/internal/cli"
)

func main() {
	os.Exit(cli.Main())
}
