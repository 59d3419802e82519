"""``provider = "aws"``: EventBridge ``PutEvents`` on emit; subscribers run as Lambda functions.

- :mod:`.publish`: PutEvents in batches, refused entries retried, :class:`PublishError`;
- :mod:`.transport`: the emitting side (:class:`~tscrun.providers.base.Transport`);
- :mod:`.entry`: the Lambda entry point (public as ``tscrun.aws.handler``);
- :mod:`.plan` and :mod:`.schema`: ``tscrun aws plan`` and payload JSON Schemas;
- :mod:`.provider`: what :func:`tscrun.providers.get_provider` returns.

Nothing here imports boto3 or powertools at import time; :mod:`.plan` and
:mod:`.schema` never do.
"""
