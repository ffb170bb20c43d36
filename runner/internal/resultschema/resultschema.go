package resultschema

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// RelPath is the schema's path from the repository root.
const RelPath = "protocol/results.schema.json"

// Locate finds the schema from the current directory up to the root of the
// repository, wherever in it a test runs.
func Locate() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("locate schema: %w", err)
	}
	for {
		candidate := filepath.Join(dir, RelPath)
		if _, err := os.Stat(candidate); err == nil {
			return candidate, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("locate schema: no %s above the current directory", RelPath)
		}
		dir = parent
	}
}

var (
	once     sync.Once
	compiled *jsonschema.Schema
	loadErr  error
)

// Schema compiles the schema once, with format assertions on, so that
// started_at must be a real date-time.
func Schema() (*jsonschema.Schema, error) {
	once.Do(func() {
		path, err := Locate()
		if err != nil {
			loadErr = err
			return
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		compiled, loadErr = c.Compile(path)
		if loadErr != nil {
			loadErr = fmt.Errorf("compile schema: %w", loadErr)
		}
	})
	return compiled, loadErr
}

// Validate checks one results document.
func Validate(data []byte) error {
	s, err := Schema()
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("parse results: %w", err)
	}
	if err := s.Validate(inst); err != nil {
		var verr *jsonschema.ValidationError
		if errors.As(err, &verr) {
			return fmt.Errorf("results do not match %s:\n%v", RelPath, verr)
		}
		return err
	}
	return nil
}

// ValidateFile checks the results file at path.
func ValidateFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read results: %w", err)
	}
	if err := Validate(data); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// ValidateTree checks every results.json under root, and returns how many
// it checked.
func ValidateTree(root string) (int, error) {
	n := 0
	var errs []error
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && d.Name() == "results.json" {
			n++
			if err := ValidateFile(path); err != nil {
				errs = append(errs, err)
			}
		}
		return nil
	})
	if err != nil {
		errs = append(errs, err)
	}
	return n, errors.Join(errs...)
}

// ValidateFileAgainst checks the results file at path against the schema
// file at schemaPath, for a runner that validates what it writes wherever
// it runs, without looking for the repository.
func ValidateFileAgainst(schemaPath, path string) error {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	s, err := c.Compile(schemaPath)
	if err != nil {
		return fmt.Errorf("compile schema: %w", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read results: %w", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("parse results %s: %w", path, err)
	}
	if err := s.Validate(inst); err != nil {
		return fmt.Errorf("%s does not match %s:\n%v", path, schemaPath, err)
	}
	return nil
}
