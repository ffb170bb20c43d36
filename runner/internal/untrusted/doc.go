// Package untrusted makes text that a benchmark controls safe to show:
// URIs, target and integration names, and reasons that quote them reach
// terminals, CI logs and Markdown that CI renders, where a raw escape
// sequence, carriage return or newline would rewrite what the reader sees,
// and a "|" or "<script>" would add table cells or HTML.
//
// Terminal escapes what a terminal interprets; Markdown also escapes what
// Markdown interprets. Both keep ordinary text, UTF-8 included, as it is,
// so that a benign name reads the same as before. The HTML report escapes
// through html/template and needs neither.
package untrusted
