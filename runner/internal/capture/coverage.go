package capture

// NoAllocator is an executable that runs no malloc-family allocator, and
// the evidence for it.
type NoAllocator struct {
	Path   string
	Reason string
}

// addStatic records a static executable whose allocator symbols were not
// found: as running no allocator when its file shows it, else as unprobed.
func (t *Tracer) addStatic(exe string, r planResult) {
	if r.absent == "" {
		t.addUnprobed(exe, r.err.Error())
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, n := range t.noAlloc {
		if n.Path == exe {
			return
		}
	}
	t.noAlloc = append(t.noAlloc, NoAllocator{Path: exe, Reason: r.absent})
}
