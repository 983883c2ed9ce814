"""Scores of customers: intent grade (A-D), layer (core/active/potential) and their runs."""
