"""The capacity planner: the most valuable set of items that fits a card, to the byte."""
