"""CisTrade data platform core library."""
