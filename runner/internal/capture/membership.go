package capture

// InTree tells whether pid is a live process of the followed tree: the
// process given to Follow or any process it forked, however deep, and
// whether or not it was reparented when its parent died. The BPF side adds
// a child before it runs and removes a process when it exits, so a process
// that can say anything at all is already in the set.
func (t *Tracer) InTree(pid int) bool {
	if pid <= 0 {
		return false
	}
	var v uint8
	return t.objs.Tracked.Lookup(uint32(pid), &v) == nil
}
