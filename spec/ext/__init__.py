"""Cedar's extension types: each parses its literal syntax in Python and operates in Z3."""
