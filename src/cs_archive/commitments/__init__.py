"""The commitments register: what was promised, by whom, by when, and did it come back?

``extract`` (pure: a paper's chunks -> ``Commitment`` records), ``find_due`` (the words of a
deadline -> the last day of the period), and ``register`` (an archive -> ``Record``s with
their status, looking for follow-ups in later papers of the same council).
"""
from .dates import Due, find_due
from .extract import KINDS, Commitment, extract

__all__ = ["KINDS", "Commitment", "Due", "extract", "find_due"]
