"""The import framework (R-INT-2): readers, batches, jobs. The kinds live in their apps."""
