"""The one payload judge and the facts both readings hand it."""
