"""hisops: a hospital IT emergency plan as automation (toolkit, CLI and lab)."""

__version__ = "0.1.0"
