"""The consumer H5 pages. Each view validates input, calls one selector or service, renders."""
