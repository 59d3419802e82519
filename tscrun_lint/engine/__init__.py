"""Running the rules: one file (``engine``) and many files in a worker pool (``runner``)."""
