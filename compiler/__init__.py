"""dectprov: compiles site YAML into provisioning files for Gigaset DECT managers."""

__version__ = "0.1.0"
