package results

import "memtally.dev/runner/internal/determinism"

// Launch is environment.launch's record of a target: what the runner
// applied when it started the target's command.
type Launch = determinism.Launch

// Setting is a value in effect and who set it.
type Setting = determinism.Setting
