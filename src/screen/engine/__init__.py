"""Evaluation: Kleene logic, dates, traces, the eligibility window. Pure: no files, no clock."""
