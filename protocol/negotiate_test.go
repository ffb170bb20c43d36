package protocol_test

import (
	"errors"
	"strings"
	"testing"

	"memtally.dev/protocol"
)

func TestNegotiate(t *testing.T) {
	tests := []struct {
		version, min uint32
		want         uint32 // 0: unsupported
	}{
		{1, 1, 1},
		{2, 1, 1},   // a newer client falls back to the runner's version
		{100, 1, 1}, // however new
		{2, 2, 0},   // a client that dropped version 1
		{0, 0, 0},   // below the runner's minimum
		{1, 2, 0},   // an empty range
		{1, 0, 1},
	}
	for _, tt := range tests {
		got, err := protocol.Negotiate(protocol.Hello{Version: tt.version, MinVersion: tt.min})
		if tt.want == 0 {
			if !errors.Is(err, protocol.ErrUnsupportedVersion) {
				t.Errorf("Negotiate(%d..%d) = %d, %v; want ErrUnsupportedVersion", tt.min, tt.version, got, err)
			} else if !strings.HasPrefix(err.Error(), "unsupported protocol version") {
				t.Errorf("error text %q does not start with the reason's fixed part", err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Negotiate(%d..%d) = %d, %v; want %d", tt.min, tt.version, got, err, tt.want)
		}
	}
}
