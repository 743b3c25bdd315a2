"""Read side of the compliance workbench: one module per area; import from the module."""
