"""gsm8k-augment: verified synthetic grade-school math problems from GSM8K train."""

__version__ = "0.1.0"
