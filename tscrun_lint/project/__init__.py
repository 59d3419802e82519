"""The checked project: its module index, the catalog of declared events and their
TypedDicts, re-exports of tscrun, and what one file is checked against (its context)."""
