package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"memtally.dev/protocol/internal/vectors"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "genvectors:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("genvectors", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "write the vectors to this `file`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() != 0 {
		return errors.New("usage: genvectors -o FILE")
	}
	data, err := vectors.Generate()
	if err != nil {
		return fmt.Errorf("generate vectors: %w", err)
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		return fmt.Errorf("write vectors: %w", err)
	}
	return nil
}
