"""Test support that ships with the bot: the local Bot API server (``bot.testing.botapi``), used
by the test suite, the benchmark and ``python -m bot sandbox``. Outside the four layers; the
running bot never imports it."""
