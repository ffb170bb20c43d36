// Package markdown writes a run's results as GitHub-flavoured Markdown, a
// table per target, for --markdown FILE and for $GITHUB_STEP_SUMMARY, where
// a CI job shows it on its summary page. With a baseline each row gets a
// column of changes marked ▲ (more memory) and ▼ (less).
package markdown
