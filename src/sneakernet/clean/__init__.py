"""Cleaning: remove everything identifying from files, losslessly."""
