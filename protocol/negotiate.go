package protocol

import "fmt"

// Negotiate picks the session's protocol version for a Hello, as the runner
// does: the newest version both sides speak. It fails, wrapping
// ErrUnsupportedVersion, when the client's range is empty or does not meet
// [MinVersion, Version]; the runner then replies with an Error whose reason
// is the error's text, and the client runs as the plain harness.
func Negotiate(h Hello) (uint32, error) {
	if h.MinVersion > h.Version {
		return 0, fmt.Errorf("%w: hello min_version %d exceeds version %d", ErrUnsupportedVersion, h.MinVersion, h.Version)
	}
	v := min(h.Version, Version)
	if v < h.MinVersion || v < MinVersion {
		return 0, fmt.Errorf("%w: client speaks %d to %d, runner speaks %d to %d",
			ErrUnsupportedVersion, h.MinVersion, h.Version, MinVersion, Version)
	}
	return v, nil
}
