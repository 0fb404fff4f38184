"""OPUS Update Boards: the sender that moves SQL-staged, validated batches onto monday.com boards."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("opus-update-boards")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"
