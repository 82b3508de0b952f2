"""Figures: one module per figure of the paper and of the comparisons (see README)."""
