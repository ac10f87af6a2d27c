"""A local WeChat Pay API v3: the same signed, encrypted protocol, with transactions kept in the
sandbox's own tables and a pay page instead of a phone. Used by the demo and the tests.

It stands in for an outside service, so payments never imports it: it registers itself with
payments (payments.stand_in) when Django starts, and payments reaches it over the v3 protocol
like the real WeChat Pay (in-process when the base URL is on payments.config.IN_PROCESS_ORIGIN)."""
