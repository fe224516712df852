"""lro: a command-line watcher for cloud long-running operations."""

__version__ = "0.1.0"
