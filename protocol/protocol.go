package protocol

// Protocol versions and frame limits. A client announces the range of versions
// it speaks in Hello, and the runner answers with one of them (see Negotiate).
const (
	Version      = 1
	MinVersion   = 1
	MaxFrameSize = 64 << 10
	HeaderSize   = 4
)

// Limits on what one client may make the runner keep (SPEC.md 6.7). The
// runner holds every benchmark's uri and markers until the run ends, so
// these bound its memory per benchmark whatever a client sends: an encoder
// refuses a longer string, and the runner rejects one that arrives anyway.
const (
	// MaxURISize bounds start.uri and js_heap.uri, in bytes.
	MaxURISize = 4 << 10
	// MaxNameSize bounds marker.name, hello.integration and
	// hello.integration_version, in bytes.
	MaxNameSize = 256
	// MaxMarkers bounds the markers the runner keeps for one benchmark,
	// and for one client outside its benchmarks.
	MaxMarkers = 100
)

// MaxDepth bounds how deeply msgpack containers may nest in a payload, the
// top-level map counting as depth 1. It exists so that decoders built on
// recursive msgpack libraries agree with iterative ones on what is accepted.
const MaxDepth = 32

// Environment through which the runner tells a benchmark where to connect.
const (
	EnvCtlFifo = "MEMTALLY_CTL_FIFO"
	EnvAckFifo = "MEMTALLY_ACK_FIFO"
	EnvMode    = "MEMTALLY_MODE"
	ModeMemory = "memory"
)

// Kind names a message; it is the value of the "kind" key of every payload.
type Kind string

// The message kinds of protocol version 1.
const (
	KindHello   Kind = "hello"
	KindWelcome Kind = "welcome"
	KindStart   Kind = "start"
	KindStop    Kind = "stop"
	KindAck     Kind = "ack"
	KindError   Kind = "error"
	KindMarker  Kind = "marker"
	KindPause   Kind = "pause"
	KindResume  Kind = "resume"
	KindJSHeap  Kind = "js_heap"
)

// Message is one protocol message. The implementations are the value types
// of this package: Hello, Welcome, Start, Stop, Ack, Error, Marker, Pause,
// Resume and JSHeap.
type Message interface {
	Kind() Kind
}

// Hello opens a session: the client's first request.
type Hello struct {
	// Version is the newest protocol version the client speaks.
	Version uint32
	// MinVersion is the oldest protocol version the client speaks.
	MinVersion uint32
	// Integration names the harness integration, e.g. "pytest-memtally".
	Integration string
	// IntegrationVersion is the integration's own version.
	IntegrationVersion string
	// PID is the client's process id; the runner watches it to notice
	// a client that exits mid-benchmark.
	PID uint32
}

// Welcome is the runner's reply to a Hello it accepts.
type Welcome struct {
	// Version is the negotiated protocol version for the session.
	Version uint32
	// Mode is the measurement mode; ModeMemory is the only one in version 1.
	Mode string
}

// Start asks the runner to open the measurement window for one benchmark.
type Start struct {
	// URI identifies the benchmark; see "Benchmark URIs" in SPEC.md.
	URI string
	// Warmup is how many calls of the benchmark's body the client ran
	// outside any window before the one call this window measures, when
	// the client says.
	Warmup Warmup
}

// Warmup is start's optional field. It is a value, not a pointer, so that
// messages stay comparable.
type Warmup struct {
	// Calls is the number of calls before the measured one: 0 for a cold
	// first call.
	Calls uint32
	// Known is false when the client did not send the field.
	Known bool
}

// Stop asks the runner to close the open measurement window.
type Stop struct{}

// Pause asks the runner to stop counting the open benchmark's allocations
// until Resume, for a region its harness excludes from measurement.
type Pause struct{}

// Resume asks the runner to count the open benchmark's allocations again.
type Resume struct{}

// JSHeap reports the V8 heap around the run of the benchmark that was
// just stopped: JavaScript objects live in pages V8 maps itself, which the
// malloc probes never see, so the JS integrations measure them with V8's
// own statistics. Sizes are in bytes.
type JSHeap struct {
	// URI is the benchmark's, which must be the session's last stopped one.
	URI string
	// GCForced is 1 when a full GC ran before UsedBefore and before
	// RetainedAfter (node runs with --expose-gc), else 0.
	GCForced uint32
	// UsedBefore is the used heap just before the run.
	UsedBefore uint64
	// UsedAfter is the used heap right after the run, before any GC.
	UsedAfter uint64
	// Peak is the highest used heap seen during the run.
	Peak uint64
	// RetainedAfter is the used heap after a forced GC following the run;
	// 0 unless GCForced.
	RetainedAfter uint64
	// GCCount is how many garbage collections V8 ran during the run.
	GCCount uint32
}

// Ack is the runner's success reply to Start, Stop, Pause, Resume, Marker
// and JSHeap.
type Ack struct{}

// Error is the runner's failure reply to any request. It is a message, not a
// Go error: a client turns it into one (see client.RemoteError).
type Error struct {
	// Reason is human-readable; clients show it but must not parse it.
	Reason string
}

// Marker records a named instant on the client's monotonic clock.
type Marker struct {
	Name string
	// Timestamp is CLOCK_MONOTONIC in nanoseconds, read by the client.
	Timestamp uint64
}

func (Hello) Kind() Kind   { return KindHello }
func (Welcome) Kind() Kind { return KindWelcome }
func (Start) Kind() Kind   { return KindStart }
func (Stop) Kind() Kind    { return KindStop }
func (Ack) Kind() Kind     { return KindAck }
func (Error) Kind() Kind   { return KindError }
func (Marker) Kind() Kind  { return KindMarker }
func (Pause) Kind() Kind   { return KindPause }
func (Resume) Kind() Kind  { return KindResume }
func (JSHeap) Kind() Kind  { return KindJSHeap }
