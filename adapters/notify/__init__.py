"""Notice rendering and delivery: SMTP, console, and a background-thread decorator."""
