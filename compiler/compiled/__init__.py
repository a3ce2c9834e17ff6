"""fastjsonschema's code of the schemas, one module each, written by `make golden`
(compiler/schema.py says when a run uses it)."""
