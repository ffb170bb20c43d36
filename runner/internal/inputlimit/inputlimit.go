package inputlimit

import (
	"fmt"
	"io"
	"os"

	"memtally.dev/runner/internal/bytesize"
)

// TooLargeError says that a file is over its size limit.
type TooLargeError struct {
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("larger than %s, the limit for this file", bytesize.Format(uint64(e.Limit)))
}

// ReadFile reads the file at path, or fails with a *TooLargeError when it
// holds more than limit bytes. A regular file is measured before it is
// read; one that grows while it is read, or a pipe, is read no further
// than the limit.
func ReadFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.Mode().IsRegular() && info.Size() > limit {
		return nil, &TooLargeError{Limit: limit}
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, &TooLargeError{Limit: limit}
	}
	return data, nil
}

// DepthError says where a document first nests deeper than its limit.
type DepthError struct {
	Line  int // from 1
	Limit int
}

func (e *DepthError) Error() string {
	return fmt.Sprintf("nested deeper than %d levels; refusing to parse", e.Limit)
}

// TOMLDepth fails with a *DepthError when src nests arrays, inline tables
// and dotted keys deeper than limit. The depth at any point is the number
// of open brackets and braces plus the dots of the keys on the way there,
// so "a.b = {c = [1]}" is 3 deep; a header [a.b] is 2, and [[a]] counts
// its two brackets. Brackets, dots and "#" inside strings and comments do
// not count. The scan does not validate: the parser still reports syntax
// errors, and it only ever sees documents within the limit.
func TOMLDepth(src []byte, limit int) error {
	s := tomlScanner{src: src, line: 1}
	return s.scan(limit)
}

type tomlScanner struct {
	src  []byte
	i    int
	line int
}

func (s *tomlScanner) scan(limit int) error {
	// dots counts the key dots on the path at this level; saved holds
	// the count of each enclosing level, one per open bracket.
	var saved []int
	dots := 0
	for s.i < len(s.src) {
		c := s.src[s.i]
		switch c {
		case '\n':
			s.line++
			if len(saved) == 0 {
				dots = 0
			}
		case '#':
			s.skipComment()
			continue
		case '"', '\'':
			s.skipString(c)
			continue
		case '[', '{':
			saved = append(saved, dots)
		case ']', '}':
			if n := len(saved); n > 0 {
				dots = saved[n-1]
				saved = saved[:n-1]
			}
		case ',':
			if n := len(saved); n > 0 {
				dots = saved[n-1]
			}
		case '.':
			dots++
		}
		if len(saved)+dots > limit {
			return &DepthError{Line: s.line, Limit: limit}
		}
		s.i++
	}
	return nil
}

// skipComment moves to the newline that ends a comment.
func (s *tomlScanner) skipComment() {
	for s.i < len(s.src) && s.src[s.i] != '\n' {
		s.i++
	}
}

// skipString moves past the string that starts at s.i: basic or literal,
// on one line or, opened by three quotes, on many. A one-line string also
// ends at a newline, where the parser will report it unterminated.
func (s *tomlScanner) skipString(quote byte) {
	multi := s.i+2 < len(s.src) && s.src[s.i+1] == quote && s.src[s.i+2] == quote
	if multi {
		s.i += 3
	} else {
		s.i++
	}
	for s.i < len(s.src) {
		c := s.src[s.i]
		switch {
		case c == '\\' && quote == '"':
			if s.i+1 < len(s.src) && s.src[s.i+1] == '\n' {
				s.line++
			}
			s.i += 2
			continue
		case c == '\n':
			if !multi {
				return
			}
			s.line++
		case c == quote && !multi:
			s.i++
			return
		case c == quote && s.i+2 < len(s.src) && s.src[s.i+1] == quote && s.src[s.i+2] == quote:
			// Up to two more quotes may close a multi-line string:
			// """a"""" is the string a".
			s.i += 3
			for k := 0; k < 2 && s.i < len(s.src) && s.src[s.i] == quote; k++ {
				s.i++
			}
			return
		}
		s.i++
	}
}
