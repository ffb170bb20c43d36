package privlibs

import "testing"

// BenchmarkNew measures making the namespace, which is on the runner's
// start-up path beside loading the capture programs.
func BenchmarkNew(b *testing.B) {
	requireRootB(b)
	for b.Loop() {
		ns, err := New()
		if err != nil {
			b.Fatal(err)
		}
		ns.Close()
	}
}
