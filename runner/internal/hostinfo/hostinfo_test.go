package hostinfo

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCollect(t *testing.T) {
	h := Collect()
	if h.OS == "" || h.Arch == "" || h.Kernel == "" || h.LogicalCPUs < 1 {
		t.Errorf("Collect() = %+v", h)
	}
}

func TestCPUModel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cpuinfo")
	data := "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\n\nprocessor\t: 1\nmodel name\t: other\n"
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := cpuModel(path); got != "Intel(R) Xeon(R) CPU @ 2.20GHz" {
		t.Errorf("cpuModel = %q", got)
	}
	if got := cpuModel(filepath.Join(t.TempDir(), "missing")); got != "" {
		t.Errorf("cpuModel(missing) = %q", got)
	}
}
