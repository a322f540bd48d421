"""How many files download at once: bounds the engine enforces and the command line and
Settings check against (a module of its own, so checking an option does not import the
download engine: the command line starts faster)."""

# Transfers in flight (files downloading at once). A download host tens of milliseconds
# away answers each request that much later: with 32 in flight, 2,000 files of 256 KiB at
# 40 ms a request take 3.6 s against 6.2 s at 16 (bench/download_latency.py), for about
# 1 MiB of memory per transfer. A file whose bytes are all in no longer counts (it is
# being put in place). Issue 12; issue 4 had 4 (1..16).
DEFAULT_DOWNLOAD_CONCURRENCY = 32
MIN_DOWNLOAD_CONCURRENCY = 1
MAX_DOWNLOAD_CONCURRENCY = 64
