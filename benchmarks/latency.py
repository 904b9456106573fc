"""Per-window encode latency: ``constrae bench latency`` (see README, "Latency").

    python benchmarks/latency.py [--dense RUN_DIR] [--spatiotemporal RUN_DIR] [--json latency.json] [...]

Every option of the command applies; ``--help`` lists them.
"""

import sys

from constrae.cli import app

if __name__ == "__main__":
    app(["bench", "latency", *sys.argv[1:]], prog_name="benchmarks/latency.py")
