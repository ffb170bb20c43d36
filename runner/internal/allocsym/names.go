package allocsym

// Kind says how a probed function's arguments and result are read.
type Kind uint8

// The kinds of allocator entry points.
const (
	// KindMalloc returns a block of its first argument's size.
	KindMalloc Kind = iota + 1
	// KindCalloc returns a block of its first two arguments' product.
	KindCalloc
	// KindAligned is f(align, size).
	KindAligned
	// KindPosixMemalign is int f(void **out, align, size), storing the
	// block in *out when it returns 0.
	KindPosixMemalign
	// KindRealloc is f(old, size).
	KindRealloc
	// KindReallocArray is f(old, n, size).
	KindReallocArray
	// KindPvalloc is f(size) with size rounded up to a page.
	KindPvalloc
	// KindFree releases the block of its first argument.
	KindFree
	// KindFreeWrapper releases the block of its first argument by calling
	// a KindFree function, such as operator delete calling free.
	KindFreeWrapper
	// KindNewWrapper is libstdc++'s operator new(size, ...), which gets
	// its block from malloc or aligned_alloc. It is probed at entry only:
	// a return probe would break the unwinding of the bad_alloc it may
	// throw.
	KindNewWrapper
)

// Family names an allocator.
type Family string

// The allocator families Discover recognises.
const (
	FamilyLibc     Family = "libc"
	FamilyCXX      Family = "c++"
	FamilyJemalloc Family = "jemalloc"
	FamilyMimalloc Family = "mimalloc"
	FamilyTcmalloc Family = "tcmalloc"
)

type entry struct {
	kind   Kind
	family Family
}

// libcNames are the C allocator API. A binary that defines them is libc, or
// an allocator that replaces it (libjemalloc.so, libmimalloc.so,
// libtcmalloc.so, a static executable).
var libcNames = map[string]Kind{
	"malloc":             KindMalloc,
	"calloc":             KindCalloc,
	"realloc":            KindRealloc,
	"reallocarray":       KindReallocArray,
	"free":               KindFree,
	"cfree":              KindFree,
	"free_sized":         KindFree,
	"free_aligned_sized": KindFree,
	"aligned_alloc":      KindAligned,
	"memalign":           KindAligned,
	"posix_memalign":     KindPosixMemalign,
	"valloc":             KindMalloc,
	"pvalloc":            KindPvalloc,
}

// jemallocNames extend libcNames with jemalloc's non-standard API.
var jemallocNames = map[string]Kind{
	"mallocx":  KindMalloc,
	"rallocx":  KindRealloc,
	"dallocx":  KindFree,
	"sdallocx": KindFree,
}

// cxxNames are libstdc++'s operators new and delete (Itanium mangling,
// size_t = unsigned long). Every new calls malloc or aligned_alloc and
// every delete calls free, hence the wrapper kinds. An allocator library
// that defines the operators itself makes them its own entry points; see
// Discover.
var cxxNames = map[string]Kind{
	"_Znwm":                               KindNewWrapper,
	"_Znam":                               KindNewWrapper,
	"_ZnwmRKSt9nothrow_t":                 KindNewWrapper,
	"_ZnamRKSt9nothrow_t":                 KindNewWrapper,
	"_ZnwmSt11align_val_t":                KindNewWrapper,
	"_ZnamSt11align_val_t":                KindNewWrapper,
	"_ZnwmSt11align_val_tRKSt9nothrow_t":  KindNewWrapper,
	"_ZnamSt11align_val_tRKSt9nothrow_t":  KindNewWrapper,
	"_ZdlPv":                              KindFreeWrapper,
	"_ZdaPv":                              KindFreeWrapper,
	"_ZdlPvm":                             KindFreeWrapper,
	"_ZdaPvm":                             KindFreeWrapper,
	"_ZdlPvRKSt9nothrow_t":                KindFreeWrapper,
	"_ZdaPvRKSt9nothrow_t":                KindFreeWrapper,
	"_ZdlPvSt11align_val_t":               KindFreeWrapper,
	"_ZdaPvSt11align_val_t":               KindFreeWrapper,
	"_ZdlPvmSt11align_val_t":              KindFreeWrapper,
	"_ZdaPvmSt11align_val_t":              KindFreeWrapper,
	"_ZdlPvSt11align_val_tRKSt9nothrow_t": KindFreeWrapper,
	"_ZdaPvSt11align_val_tRKSt9nothrow_t": KindFreeWrapper,
}

// mimallocNames are mimalloc's own API, with each function's real size
// arguments: mi_zalloc(size) is a malloc, mi_malloc_aligned(size, align)
// takes the size first, mi_mallocn(n, size) multiplies.
var mimallocNames = map[string]Kind{
	"mi_malloc":              KindMalloc,
	"mi_zalloc":              KindMalloc,
	"mi_calloc":              KindCalloc,
	"mi_mallocn":             KindCalloc,
	"mi_malloc_small":        KindMalloc,
	"mi_zalloc_small":        KindMalloc,
	"mi_realloc":             KindRealloc,
	"mi_reallocf":            KindRealloc,
	"mi_rezalloc":            KindRealloc,
	"mi_reallocn":            KindReallocArray,
	"mi_recalloc":            KindReallocArray,
	"mi_reallocarray":        KindReallocArray,
	"mi_malloc_aligned":      KindMalloc,
	"mi_zalloc_aligned":      KindMalloc,
	"mi_malloc_aligned_at":   KindMalloc,
	"mi_zalloc_aligned_at":   KindMalloc,
	"mi_calloc_aligned":      KindCalloc,
	"mi_calloc_aligned_at":   KindCalloc,
	"mi_realloc_aligned":     KindRealloc,
	"mi_realloc_aligned_at":  KindRealloc,
	"mi_rezalloc_aligned":    KindRealloc,
	"mi_rezalloc_aligned_at": KindRealloc,
	"mi_recalloc_aligned":    KindReallocArray,
	"mi_recalloc_aligned_at": KindReallocArray,
	"mi_posix_memalign":      KindPosixMemalign,
	"mi_aligned_alloc":       KindAligned,
	"mi_memalign":            KindAligned,
	"mi_valloc":              KindMalloc,
	"mi_pvalloc":             KindPvalloc,
	"mi_new":                 KindMalloc,
	"mi_new_nothrow":         KindMalloc,
	"mi_new_aligned":         KindMalloc,
	"mi_new_aligned_nothrow": KindMalloc,
	"mi_new_n":               KindCalloc,
	"mi_new_realloc":         KindRealloc,
	"mi_new_reallocn":        KindReallocArray,
	"mi_free":                KindFree,
	"mi_cfree":               KindFree,
	"mi_free_size":           KindFreeWrapper,
	"mi_free_aligned":        KindFreeWrapper,
	"mi_free_size_aligned":   KindFreeWrapper,
}

// tcmallocNames are gperftools' tc_ API. Its deletes release the block
// themselves; libtcmalloc's operators delete are aliases of them.
var tcmallocNames = map[string]Kind{
	"tc_malloc":              KindMalloc,
	"tc_calloc":              KindCalloc,
	"tc_realloc":             KindRealloc,
	"tc_free":                KindFree,
	"tc_cfree":               KindFree,
	"tc_memalign":            KindAligned,
	"tc_posix_memalign":      KindPosixMemalign,
	"tc_valloc":              KindMalloc,
	"tc_pvalloc":             KindPvalloc,
	"tc_new":                 KindMalloc,
	"tc_newarray":            KindMalloc,
	"tc_new_nothrow":         KindMalloc,
	"tc_newarray_nothrow":    KindMalloc,
	"tc_delete":              KindFree,
	"tc_deletearray":         KindFree,
	"tc_delete_nothrow":      KindFree,
	"tc_deletearray_nothrow": KindFree,
}

// lookup returns the entry point a symbol name denotes, if any.
func lookup(name string) (entry, bool) {
	if k, ok := libcNames[name]; ok {
		return entry{k, FamilyLibc}, true
	}
	if k, ok := jemallocNames[name]; ok {
		return entry{k, FamilyJemalloc}, true
	}
	if k, ok := cxxNames[name]; ok {
		return entry{k, FamilyCXX}, true
	}
	if k, ok := mimallocNames[name]; ok {
		return entry{k, FamilyMimalloc}, true
	}
	if k, ok := tcmallocNames[name]; ok {
		return entry{k, FamilyTcmalloc}, true
	}
	for _, prefix := range []string{"je_", "_rjem_"} {
		if len(name) > len(prefix) && name[:len(prefix)] == prefix {
			rest := name[len(prefix):]
			if k, ok := libcNames[rest]; ok {
				return entry{k, FamilyJemalloc}, true
			}
			if k, ok := jemallocNames[rest]; ok {
				return entry{k, FamilyJemalloc}, true
			}
		}
	}
	return entry{}, false
}
