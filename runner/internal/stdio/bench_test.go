package stdio

import (
	"io"
	"os"
	"os/exec"
	"testing"
	"time"
)

// benchmarkOutput measures a command writing 64 MiB to a pipe the runner's
// stdout is, through the runner's copy or straight, as before: what the
// copy costs a benchmark that prints a lot.
func benchmarkOutput(b *testing.B, copied bool) {
	const size = 64 << 20
	for b.Loop() {
		r, w, err := os.Pipe()
		if err != nil {
			b.Fatal(err)
		}
		drained := make(chan struct{})
		go func() {
			io.Copy(io.Discard, r)
			close(drained)
		}()
		s := &Streams{Stdout: &Stream{file: w, name: "stdout"}, Stderr: &Stream{file: os.Stderr, name: "stderr"}}
		var out io.Writer = w
		var o *Output
		if copied {
			if o, err = Command(s.Stdout, s.Stderr); err != nil {
				b.Fatal(err)
			}
			out = o.Stdout
		}
		cmd := exec.Command("head", "-c", "67108864", "/dev/zero")
		cmd.Stdout = out
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		if o != nil {
			o.Started()
		}
		if err := cmd.Wait(); err != nil {
			b.Fatal(err)
		}
		if o != nil {
			o.Wait(time.Minute)
		}
		w.Close()
		<-drained
		r.Close()
	}
	b.SetBytes(size)
}

func BenchmarkOutputStraight(b *testing.B) { benchmarkOutput(b, false) }
func BenchmarkOutputCopied(b *testing.B)   { benchmarkOutput(b, true) }
