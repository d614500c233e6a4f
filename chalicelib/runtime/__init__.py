"""What a process holds: settings, secrets, clients, the clock, caches and the registry that resets them."""
