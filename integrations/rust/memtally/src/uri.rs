//! Helpers for the benchmark URIs of SPEC.md section 7.

/// Turns a source path as `file!()` spells it into a path relative to the
/// package root `manifest_dir` (the directory of Cargo.toml, absolute).
///
/// rustc sees paths relative to the workspace root, which is the package root
/// itself or one of its ancestors: a path that begins with the tail of
/// `manifest_dir` drops that tail. Absolute paths drop `manifest_dir`.
pub fn package_relative(file: &str, manifest_dir: &str) -> String {
    let file = file.replace('\\', "/");
    let manifest_dir = manifest_dir.replace('\\', "/");
    let manifest_dir = manifest_dir.trim_end_matches('/');
    if let Some(rest) = file
        .strip_prefix(manifest_dir)
        .and_then(|r| r.strip_prefix('/'))
    {
        return rest.to_owned();
    }
    let parts: Vec<&str> = manifest_dir.split('/').filter(|p| !p.is_empty()).collect();
    for start in 0..parts.len() {
        let tail = parts[start..].join("/");
        if let Some(rest) = file.strip_prefix(&tail).and_then(|r| r.strip_prefix('/')) {
            return rest.to_owned();
        }
    }
    file.trim_start_matches("./").to_owned()
}

#[cfg(test)]
mod tests {
    use super::package_relative;

    #[test]
    fn package_at_workspace_root() {
        assert_eq!(
            package_relative("benches/a.rs", "/src/proj"),
            "benches/a.rs"
        );
    }

    #[test]
    fn member_of_a_workspace() {
        assert_eq!(
            package_relative("examples/rust-divan/benches/a.rs", "/w/examples/rust-divan"),
            "benches/a.rs"
        );
    }

    #[test]
    fn absolute_path() {
        assert_eq!(
            package_relative("/w/proj/benches/a.rs", "/w/proj/"),
            "benches/a.rs"
        );
    }
}
