"""Browser tests: the real product in a subprocess, driven by Debian's headless chromium."""
