// Package inputlimit refuses input that would make a parser spend memory or
// time out of proportion to any real use, before the parser sees it: files
// over a size, and TOML nested deeper than a depth. BurntSushi/toml needs
// memory and time that grow faster than the square of the nesting depth
// (inline tables nested 100,000 deep took 24 GB), so a cheap linear scan
// that knows TOML's strings and comments measures the depth first.
//
// JSON needs no scan of its own: encoding/json refuses nesting deeper than
// 10,000 levels while it validates, before it decodes anything, in memory
// that grows with the depth only linearly.
package inputlimit
