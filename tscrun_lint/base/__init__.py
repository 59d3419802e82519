"""What every tier shares, without libcst: findings, names, ``--select``, noqa, the
TypedDict type model, and reading a file's text within the parse limits."""
