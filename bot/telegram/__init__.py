"""The Telegram shell: the PTB application, handlers (parse, call one service, render), the
sender and its rate limiter, the transport, charts. Imports services and the core."""
