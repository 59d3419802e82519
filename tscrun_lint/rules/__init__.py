"""One module per rule; see docs/rules.md."""
