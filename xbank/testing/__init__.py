"""Test support shared by every app's tests: the world of named actors, the access matrix."""
