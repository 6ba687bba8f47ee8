"""Fault rules: parsing, matching, the rule set and the rules file watcher."""
