"""The fault matrix: every row of SPEC.md's failure handling, for every provider dialect."""
