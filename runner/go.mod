module memtally.dev/runner

go 1.26.8

require (
	github.com/BurntSushi/toml v1.6.0 // indirect
	github.com/rogpeppe/go-internal v1.16.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
)

require memtally.dev/protocol v0.0.0

// The protocol module lives in this repository; the replace keeps
// GOWORK=off builds working without publishing it.
replace memtally.dev/protocol => ../protocol
