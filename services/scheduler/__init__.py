"""The scheduler: the trigger engine and operation runner."""
