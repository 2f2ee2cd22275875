"""`python -m prodgy_mock ARGS…` runs the bundled binary (handy where the scripts
directory is not on PATH)."""

import os
import subprocess
import sys

from ._server import find_binary


def main() -> int:
    """Runs the binary with this process's arguments; returns its exit code."""
    binary = find_binary()
    if os.name == "posix":
        os.execv(binary, [binary, *sys.argv[1:]])
    return subprocess.call([binary, *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
