"""tscrun_lint: the static checks of tscrun (a libcst analyzer, its CLI, flake8 plugin and
language server).

The folders are the tiers. ``base`` imports no other tier and never libcst (the CLI
starts fast, and ``--select`` is decided before anything heavy loads); the others
build on one another roughly in this order:

- ``base``: findings, names, ``--select``, noqa, the TypedDict type model, reading a
  file's text within the parse limits;
- ``project``: the module index, the catalog of events and their TypedDicts, and
  what one file is checked against (its context);
- ``types``: the static types of values, from declarations and typeshed stubs;
- ``reading``: one file into facts (emit sites, scope facts), by ``ast`` or libcst;
- ``judge``: the one decision whether a payload fits its TypedDict;
- ``rules``: one module per diagnostic code;
- ``engine``: running the rules on one file, and on many in a worker pool;
- ``frontends``: the CLI, flake8, the language server, output formats and fixes.
"""
