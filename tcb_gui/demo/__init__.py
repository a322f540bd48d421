"""A local stand-in of the WeChat CloudBase storage API, for --demo, tests and benchmarks."""
