"""Reading one file into what the checks need (ast first, libcst where it must)."""
