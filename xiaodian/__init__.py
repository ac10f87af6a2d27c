"""xiaodian: the store as the transaction hub of a messaging and content ecosystem."""

__version__ = "0.1.0"
