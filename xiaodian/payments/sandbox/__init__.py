"""A local WeChat Pay API v3: the same signed, encrypted protocol, with transactions kept in the
sandbox's own tables and a pay page instead of a phone. Used by the demo and the tests."""
