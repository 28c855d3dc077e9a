"""The findings in words, for the terminal, the overlay and the JSON summary ("14 haemorrhages in
3 quadrants; exudates 0.6 disc diameters from the fovea")."""

from __future__ import annotations

from collections.abc import Mapping

from edgeseg.screening.findings import Findings


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun if count == 1 else noun + 's'}"


def finding_words(findings: Findings, summary: Mapping[str, Mapping] | None = None) -> list[str]:
    """One short phrase per finding, in the order a grader reads them; the lesion counts from the
    lesions of predict's summary when given (the photograph's resolution), else the findings'."""

    def components(lesion: str) -> int:
        return int(summary[lesion]["components"]) if summary is not None else findings.lesions[lesion].components

    words = []
    for lesion, noun in (("HE", "haemorrhage"), ("MA", "microaneurysm")):
        if lesion not in findings.lesions:
            continue
        count = components(lesion)
        phrase = _plural(count, noun)
        if count and lesion in findings.per_quadrant:
            phrase += f" in {_plural(findings.quadrants_with(lesion), 'quadrant')}"
        words.append(phrase)
    if "EX" in findings.lesions:
        if findings.lesions["EX"].components == 0:
            words.append("no hard exudates")
        elif findings.exudate_distance_dd is None:
            words.append(f"{_plural(components('EX'), 'hard exudate')} (fovea not located)")
        else:
            where = "within 1 disc diameter of" if findings.exudate_distance_dd <= 1.0 else f"{findings.exudate_distance_dd:.1f} disc diameters from"
            words.append(f"hard exudates {where} the fovea")
    if "SE" in findings.lesions and components("SE"):
        words.append(_plural(components("SE"), "soft exudate"))
    if findings.anatomy is None:
        words.append("optic disc and fovea not located")
    return words
