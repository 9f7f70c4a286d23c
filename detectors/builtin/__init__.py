"""Built-in detectors, one module per family, in the manner of Presidio's
``predefined_recognizers/{generic,country_specific}``."""

from __future__ import annotations

from detectors.registry import Detector


def builtin_detectors() -> list[Detector]:
    """Every built-in detector, in registration order. It lives here, not in
    ``detectors.registry``, so the registry (which the detector modules import for
    ``Detector`` and ``@detector``) never imports them back."""
    from detectors.builtin import generic, india, network, payment, people, phones, secrets

    return [
        *phones.DETECTORS,
        *generic.DETECTORS,
        *payment.DETECTORS,
        *network.DETECTORS,
        *india.DETECTORS,
        *secrets.DETECTORS,
        *people.DETECTORS,
    ]
