"""The `smaug` command line."""
