package protocol

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ReadFrame reads one frame from r and returns its payload. It rejects a
// length over MaxFrameSize from the header alone, before reading or
// allocating the payload, so a bad peer cannot make the reader buffer it.
//
// At a clean end of input, before any header byte, it returns io.EOF itself.
// Input that ends inside a frame gives an ErrTruncated error, a zero length
// an ErrMalformed one. Errors of r are returned wrapped, with no category.
func ReadFrame(r io.Reader) ([]byte, error) {
	var hdr [HeaderSize]byte
	n, err := io.ReadFull(r, hdr[:])
	switch {
	case err == io.EOF:
		return nil, io.EOF
	case errors.Is(err, io.ErrUnexpectedEOF):
		return nil, newError(ErrTruncated, "read frame: header ends after %d of %d bytes", n, HeaderSize)
	case err != nil:
		return nil, fmt.Errorf("read frame: %w", err)
	}
	size := binary.LittleEndian.Uint32(hdr[:])
	if size > MaxFrameSize {
		return nil, newError(ErrTooLarge, "read frame: frame of %d bytes exceeds %d", size, MaxFrameSize)
	}
	if size == 0 {
		return nil, newError(ErrMalformed, "read frame: empty payload")
	}
	payload := make([]byte, size)
	n, err = io.ReadFull(r, payload)
	switch {
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		return nil, newError(ErrTruncated, "read frame: payload ends after %d of %d bytes", n, size)
	case err != nil:
		return nil, fmt.Errorf("read frame: %w", err)
	}
	return payload, nil
}

// ReadMessage reads one frame from r and decodes its payload with Unmarshal.
func ReadMessage(r io.Reader) (Message, error) {
	payload, err := ReadFrame(r)
	if err != nil {
		return nil, err
	}
	return Unmarshal(payload)
}
