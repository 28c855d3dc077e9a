"""The five seed papers (``../shared/seeds/``, restated in ``docs/papers.md``) by number: the one
place their titles are written; the model registry and the training recipes cite them from here."""

from __future__ import annotations

SEED_PAPERS: dict[str, str] = {
    "000": "Dual-branch network with dual-sampling modulated Dice loss for hard exudate segmentation (Dual2Net)",
    "001": "Learning mutually local-global U-Nets for high-resolution retinal lesion segmentation in fundus images",
    "002": "SUNet: a lesion regularized model for simultaneous diabetic retinopathy and diabetic macular edema grading",
    "003": "Multi-task lesion segmentation with a lightweight U²-Net to enhance explainability of mobile screening systems "
           "for diabetic retinopathy (U²-XS-Net)",
    "004": "Red lesion segmentation of fundus images with multi-task learning (Red-Seg)",
}


def seed_paper(number: str, note: str = "") -> str:
    """``"003 <title>"``, with ``note`` after a semicolon (what edgeseg adds or takes from it)."""
    return f"{number} {SEED_PAPERS[number]}" + (f"; {note}" if note else "")
