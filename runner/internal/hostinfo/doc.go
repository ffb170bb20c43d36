// Package hostinfo describes the machine a run measured on, the kernel and
// the CPU, so that a comparison between two results files can tell when
// their numbers come from different environments.
package hostinfo
