"""``provider = "redis"``: events on Redis Streams, handlers run by ``tscrun worker``.

Layout (every key shares the hash tag ``{<project>/<bus>}`` so the commands
that touch several keys work on Redis Cluster too):

- ``tscrun:{p/b}:event:<event name>``: one stream per event; each emit is one
  ``XADD``. Each subscriber of the event has a consumer group on it, named after
  the subscriber, which is what fans an event out.
- ``tscrun:{p/b}:direct:<subscriber>``: deliveries meant for one subscriber
  only (redriven dead letters), read by the same group.
- ``tscrun:{p/b}:dead``: dead letters, one entry per failed delivery.

The groups are created by the first emit of an event (before its ``XADD``),
not by the first worker, so events emitted while no worker runs wait in the
streams. The pending-entries list of each group is the record of deliveries in
progress: its delivery count is ``event.attempt``, and ``XAUTOCLAIM`` hands the
work of a worker that stopped renewing its claims to another one.

Importing this package imports nothing from the ``redis`` client; the modules
that talk to the server do.
"""
