package fakeharness

// #include <stdlib.h>
import "C"

import "unsafe"

// allocate makes one malloc of size bytes and frees it unless leak is set,
// so that tests see known allocations in a window. It also makes this
// harness a dynamically linked cgo program, whose allocations the runner
// sees in libc like those of any C program.
func allocate(size int, leak bool) {
	p := C.malloc(C.size_t(size))
	if !leak {
		C.free(unsafe.Pointer(p))
	}
}
