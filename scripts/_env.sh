# Shared by scripts/serve and scripts/test: make sure uv and the locked environment exist.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if ! command -v uv >/dev/null 2>&1; then
    python3 -m pip install --quiet --user "uv>=0.5,<1" 2>/dev/null || python3 -m pip install --quiet "uv>=0.5,<1"
    export PATH="$HOME/.local/bin:$PATH"
fi
uv sync --quiet --frozen "$@"
