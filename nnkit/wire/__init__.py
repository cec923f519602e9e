"""Messages between the kit's processes: one framing, plain-data values, typed requests."""
