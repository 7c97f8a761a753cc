"""cs-archive: a searchable archive of local-council committee papers, cited to the paragraph."""

__version__ = "0.1.0"
