package protocol

//go:generate go run ./internal/cmd/genvectors -o vectors/vectors.json
