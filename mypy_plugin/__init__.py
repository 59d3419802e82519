"""mypy plugin for tscrun: ``plugins = ["mypy_plugin"]``."""
