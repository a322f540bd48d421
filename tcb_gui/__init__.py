"""TCB Links: WeChat CloudBase cloud file IDs in, working download links (or files) out."""

__version__ = "0.1.0"
