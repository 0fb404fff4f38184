"""The owner's pipeline paths; the code lives in the sender package."""
