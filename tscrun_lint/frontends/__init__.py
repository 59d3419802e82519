"""What users run: the ``tscrun-lint`` CLI, the flake8 plugin, the language server, and
the output formats, ``--fix`` and ``--explain`` they share."""
