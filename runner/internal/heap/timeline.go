package heap

// timeline downsamples a stream of points to at most MaxPoints in O(MaxPoints)
// memory. Points are grouped into buckets of width consecutive points; each
// bucket keeps its highest point (the earliest among equals). When the
// buckets fill, neighbours merge and the width doubles. The global peak is
// its bucket's highest point, so it always survives; the first and last
// points are kept apart so the timeline spans the whole window. Bucket
// boundaries depend only on the point index, which makes the result
// deterministic.
type timeline struct {
	first   Point
	last    Point
	n       uint64 // points seen, first included
	width   uint64
	fill    uint64 // points in the open bucket
	buckets []Point
}

// maxBuckets leaves room for the first and last points.
const maxBuckets = MaxPoints - 2

func (t *timeline) add(p Point) {
	t.n++
	if t.n == 1 {
		t.first = p
		t.width = 1
		return
	}
	if t.n > 2 {
		// The previous last point now belongs to a bucket.
		t.push(t.last)
	}
	t.last = p
}

func (t *timeline) push(p Point) {
	if t.fill > 0 {
		top := &t.buckets[len(t.buckets)-1]
		if p.LiveBytes > top.LiveBytes {
			*top = p
		}
		t.fill++
		if t.fill == t.width {
			t.fill = 0
		}
		return
	}
	if len(t.buckets) == maxBuckets {
		t.merge()
	}
	t.buckets = append(t.buckets, p)
	t.fill = 1
	if t.fill == t.width {
		t.fill = 0
	}
}

// merge halves the number of buckets by joining neighbours. It runs only
// when every bucket is full, so the merged ones are full again.
func (t *timeline) merge() {
	out := t.buckets[:0]
	for i := 0; i < len(t.buckets); i += 2 {
		b := t.buckets[i]
		if i+1 < len(t.buckets) && t.buckets[i+1].LiveBytes > b.LiveBytes {
			b = t.buckets[i+1]
		}
		out = append(out, b)
	}
	t.buckets = out
	t.width *= 2
}

func (t *timeline) points() []Point {
	if t.n == 0 {
		return nil
	}
	out := make([]Point, 0, len(t.buckets)+2)
	out = append(out, t.first)
	out = append(out, t.buckets...)
	if t.n > 1 {
		out = append(out, t.last)
	}
	return out
}
