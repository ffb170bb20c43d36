# Shared by the scripts in this folder and by integrations/*/setup and
# integrations/*/test. Source it; it defines functions only.

# apt_install PKG...: installs the Debian packages that are not installed
# yet, so a machine that has everything pays one dpkg-query per package.
apt_install() {
	local missing=() pkg
	for pkg in "$@"; do
		if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
			missing+=("$pkg")
		fi
	done
	[ "${#missing[@]}" -eq 0 ] && return 0
	local sudo=()
	[ "$(id -u)" -ne 0 ] && sudo=(sudo)
	echo "setup: apt-get install ${missing[*]}"
	"${sudo[@]}" apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# build_runner: builds the runner into bin/runner at the repository root
# and exports MEMTALLY_RUNNER, the path integration tests run.
build_runner() {
	local root
	root=$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)
	(cd "$root" && go build -o bin/runner ./runner/cmd/runner)
	export MEMTALLY_RUNNER="$root/bin/runner"
}
