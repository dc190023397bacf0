"""msgarch: message-driven architectures as code, linted against cited broker profiles."""

__version__ = "0.1.0"
