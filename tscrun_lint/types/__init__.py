"""Types of values: what application code passes, read from declarations and stubs."""
