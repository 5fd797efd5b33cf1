"""A plugin that completes its handshake and then dies: for the host's restart budget."""

from __future__ import annotations

import os
import threading

from sample_plugin import Things

from smaug.plugins.sdk import PluginServer

if __name__ == "__main__":
    threading.Timer(0.3, lambda: os._exit(7)).start()
    PluginServer(name="crashing", vendor="Tests", version="1.0").register(Things).serve()
