"""The lesion channels edgeseg uses everywhere, in their fixed order.

Channel order is part of every model's output contract and of every exported file's metadata:
``MA`` microaneurysms, ``HE`` haemorrhages, ``EX`` hard exudates (HX in the U²-XS paper),
``SE`` soft exudates (SX there), and the optional ``OD`` optic disc.
"""

LESIONS: tuple[str, ...] = ("MA", "HE", "EX", "SE")
OPTIONAL_LESIONS: tuple[str, ...] = ("OD",)
ALL_LESIONS: tuple[str, ...] = LESIONS + OPTIONAL_LESIONS

LESION_NAMES: dict[str, str] = {
    "MA": "microaneurysms",
    "HE": "haemorrhages",
    "EX": "hard exudates",
    "SE": "soft exudates",
    "OD": "optic disc",
}


def parse_lesions(text: str | None, default: tuple[str, ...] = LESIONS) -> tuple[str, ...]:
    """Parse a comma-separated lesion list (``"MA,HE"``), keeping edgeseg's channel order."""
    from edgeseg.errors import EdgesegError

    if not text:
        return default
    names = [part.strip().upper() for part in text.split(",") if part.strip()]
    unknown = [name for name in names if name not in ALL_LESIONS]
    if unknown:
        raise EdgesegError(
            f"unknown lesion {', '.join(unknown)}; choose from {', '.join(ALL_LESIONS)}"
        )
    return tuple(name for name in ALL_LESIONS if name in names)
