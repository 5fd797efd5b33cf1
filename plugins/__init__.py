"""Protection plugins: the SDK vendors build on (``smaug.plugins.sdk``) and Smaug's own plugin
servers, each runnable as its own process (``python -m smaug.plugins.<name>``)."""
