// Package heap is memtally's accounting model: it turns the allocation
// events of one benchmark window into the numbers memtally reports.
//
// The semantics follow Valgrind's DHAT, memtally's ground truth:
//
//   - AllocCount counts calls that returned a new block. malloc, calloc,
//     the aligned variants, operator new and realloc each count 1; a realloc
//     counts as a new block even when it resizes in place.
//   - TotalBytes sums the requested sizes of those blocks.
//   - FreeCount counts blocks of the window released inside it: by free,
//     delete, or a realloc that replaced them.
//   - Live bytes are bytes of blocks allocated in the window and not yet
//     released. PeakBytes is their maximum. When a process exits, its live
//     blocks are released and counted as leaked.
//   - LeakedCount and LeakedBytes are the blocks still live at the window's
//     end or when their process exited, whichever came first.
//   - UntrackedFrees counts releases of blocks the window never saw being
//     allocated: blocks from before the window, or a runtime's own blocks.
//   - Timeline is live bytes over the window, at most MaxPoints points,
//     always including the first point that reached the peak.
//
// Blocks are keyed by process and address, so processes of one tree never
// release each other's blocks. Everything is deterministic: the same event
// sequence always gives the same Metrics, timeline included.
package heap
