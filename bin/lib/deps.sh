# Sourced by bin/test and bin/ferry: installs the Debian packages listed in
# bin/lib/packages.txt that are missing, non-interactively. Needs root (or
# sudo); says what to run otherwise.

ferry_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

ferry_missing_packages() {
  local pkg missing=()
  while read -r pkg; do
    [[ -z "$pkg" || "$pkg" == \#* ]] && continue
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
      || missing+=("$pkg")
  done < "$ferry_root/bin/lib/packages.txt"
  echo "${missing[@]}"
}

ferry_ensure_packages() {
  local missing
  missing="$(ferry_missing_packages)"
  [[ -z "$missing" ]] && return 0
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    if command -v sudo >/dev/null; then
      sudo=(sudo)
    else
      echo "ferry: missing Debian packages: $missing" >&2
      echo "ferry: run as root: apt-get install -y $missing" >&2
      return 1
    fi
  fi
  echo "ferry: installing Debian packages: $missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -q >&2 || {
    echo "ferry: apt-get update failed; check the network to Debian's archive" >&2
    return 1
  }
  # shellcheck disable=SC2086
  "${sudo[@]}" apt-get install -y -q --no-install-recommends $missing >&2 || {
    echo "ferry: installing $missing failed; see apt-get's message above" >&2
    return 1
  }
}
