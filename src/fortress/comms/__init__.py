"""Comms analytics: deal-line detection, activity, continuity and roles.

Every query over events is an Ibis expression (engine-portable); only the small per-number
results are finished in Python (scores, evidence sentences).
"""
