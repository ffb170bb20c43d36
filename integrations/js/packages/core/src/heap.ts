// The js_heap series. V8 allocates JavaScript objects in pages it maps
// itself, so the runner's malloc probes never see them: the integration
// measures them around the single run instead, with V8's own statistics.
import { getHeapStatistics, GCProfiler } from 'node:v8';

/** V8 heap figures of one benchmark run, in bytes. */
export interface JsHeap {
  /** Whether a full GC could be forced (node runs with --expose-gc): before the warm-up calls, or before the run when there were none. */
  gc_forced: boolean;
  /** Used heap just before the run, after the warm-up calls (and the forced GC before them, when gc_forced). */
  used_before_bytes: number;
  /** Used heap right after the body returned, before any GC of ours. */
  used_after_bytes: number;
  /** used_after_bytes - used_before_bytes; negative when a GC during the run freed more than the run left. */
  delta_bytes: number;
  /** The highest used heap during the run: at its end, or just before a GC inside it. */
  peak_bytes: number;
  /** peak_bytes - used_before_bytes. */
  peak_delta_bytes: number;
  /** Used heap after a forced GC following the run, minus used_before_bytes: what the run left reachable. Null unless gc_forced. */
  retained_bytes: number | null;
  /** Garbage collections V8 ran during the run. */
  gc_count: number;
}

type Gc = () => void;

function exposedGc(): Gc | undefined {
  const gc = (globalThis as { gc?: unknown }).gc;
  return typeof gc === 'function' ? (gc as Gc) : undefined;
}

/**
 * Forces a full GC, when node exposes it, before a benchmark's warm-up
 * calls; the measured call then follows them with no GC in between. A full
 * GC frees every page's remembered set (the slot sets V8 mallocs when an
 * old object first gets a pointer to a new one, 128 or 256 bytes each); a
 * warm-up call after it stores into the same old objects the measured call
 * does, so the measured call finds their slot sets made, as a call in a
 * loop would. With the GC between them instead, the measured call made
 * them again, and how many depended on where earlier work had placed the
 * old objects, which differs from one run of a suite to the next.
 * Returns whether a GC was forced.
 */
export function settleHeap(): boolean {
  const gc = exposedGc();
  gc?.();
  return gc !== undefined;
}

/** The used V8 heap. Reads a buffer V8 fills in place: no native allocation. */
export function usedHeap(): number {
  return getHeapStatistics().used_heap_size;
}

/**
 * Brackets one run: begin() before start is sent, end() once stop is acked.
 * The caller reads usedHeap() right after start's ack and right after the
 * body, so the client's own requests stay out of the figures; the first
 * read's result object (about 0.5 KB) is the only thing of ours counted.
 */
export class HeapProbe {
  private constructor(
    private readonly gc: Gc | undefined,
    private readonly profiler: GCProfiler,
  ) {}

  /**
   * settled says that settleHeap() ran before the warm-up calls; the heap
   * is then left as they left it. Otherwise (no warm-up call) the GC runs
   * here.
   */
  static begin(settled = false): HeapProbe {
    const gc = exposedGc();
    if (!settled) gc?.();
    // The profiler records the used heap before each GC, which is where the
    // heap peaks between two collections; without it a run that triggered a
    // GC would report less than its peak.
    const profiler = new GCProfiler();
    profiler.start();
    return new HeapProbe(gc, profiler);
  }

  end(before: number, usedAfter: number): JsHeap {
    const stats = this.profiler.stop()?.statistics ?? [];
    let peak = usedAfter;
    for (const s of stats) peak = Math.max(peak, s.beforeGC.heapStatistics.usedHeapSize);
    let retained: number | null = null;
    if (this.gc) {
      this.gc();
      retained = usedHeap() - before;
    }
    return {
      gc_forced: this.gc !== undefined,
      used_before_bytes: before,
      used_after_bytes: usedAfter,
      delta_bytes: usedAfter - before,
      peak_bytes: peak,
      peak_delta_bytes: peak - before,
      retained_bytes: retained,
      gc_count: stats.length,
    };
  }
}
