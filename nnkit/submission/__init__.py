"""The side that holds student code, and the proxy the checks talk to it through."""
