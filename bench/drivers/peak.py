"""Runs a command and prints the peak resident memory (MiB) of its largest process on stderr."""

import resource
import subprocess
import sys

code = subprocess.run(sys.argv[1:]).returncode
print(f"PEAK_RSS_MIB {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.1f}", file=sys.stderr)
sys.exit(code)
