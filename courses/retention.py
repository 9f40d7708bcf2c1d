"""What courses forgets by itself, and its privacy-notice lines (see accounts/privacy.py)."""
