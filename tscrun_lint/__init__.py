"""tscrun_lint: the libcst analyzer, its CLI and its flake8 plugin."""
