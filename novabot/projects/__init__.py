"""Projects and what they know: importing, exporting, retrieving and compacting knowledge."""
