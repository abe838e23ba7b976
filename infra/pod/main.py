"""Entry point run by pod.sh with the machine's python3 (standard library only)."""

import sys

if sys.version_info < (3, 8):
    sys.stderr.write(
        "musicgen-pod: Cannot run as python3 is %d.%d, older than 3.8: install a newer Python\n" % sys.version_info[:2]
    )
    sys.exit(13)

from musicgen_pod.cli import main  # noqa: E402 - after the version check

sys.exit(main())
