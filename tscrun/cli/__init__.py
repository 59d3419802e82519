"""The runtime CLI ``tscrun`` (``tscrun worker``, ``tscrun dead-letters ...``); see :mod:`.main`."""
