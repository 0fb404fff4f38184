"""OPUS Update Boards: the sender that moves SQL-staged, validated batches onto monday.com boards."""

# The package and schema version, in one place: pyproject.toml reads it, the installers record it in
# dbo.MON_SchemaVersion, and CHANGELOG.md has a section for it.
__version__ = "0.4.0"
