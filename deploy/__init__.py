"""How Smaug runs: configuration and the local launcher (`smaug up`)."""
