"""What reports holds about a person: export, erase (registered with accounts.privacy)."""
