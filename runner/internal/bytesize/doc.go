// Package bytesize formats byte counts in binary units (KiB, MiB) for people,
// and parses the sizes people write in thresholds ("512", "4KiB", "1 MB").
package bytesize
