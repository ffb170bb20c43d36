// Command genvectors writes the protocol's conformance vectors, as checked
// against the reference codec, to the file named by -o. It is run by
// `go generate ./...` in protocol/.
package main
