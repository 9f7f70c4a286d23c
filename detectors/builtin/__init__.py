"""Built-in detectors, one module per family, in the manner of Presidio's
``predefined_recognizers/{generic,country_specific}``."""
