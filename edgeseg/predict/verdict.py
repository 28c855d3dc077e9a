"""The screening verdict of a model that grades (the graded student): DR grade, DME risk and the
referral probability, with the referral threshold its model card chose on validation."""

from __future__ import annotations

import numpy as np

from edgeseg.errors import EdgesegError
from edgeseg.inference.model_info import ModelInfo
from edgeseg.outputs import DME_CLASSES, DME_OUTPUT, DR_CLASSES, DR_OUTPUT, GRADING_OUTPUTS, REFERABLE_OUTPUT

NON_FINITE = "the model gave NaN or infinite grades"


def screening_verdict(outputs: dict[str, np.ndarray], info: ModelInfo) -> dict | None:
    """The verdict from a prediction's grading outputs; None for a model that does not grade. A
    model that gives NaN or infinite grades is broken, and no verdict is made up from them (a NaN
    referral probability would otherwise read as "no referral")."""
    if not set(GRADING_OUTPUTS) <= set(outputs):
        return None
    dr, dme = np.ravel(outputs[DR_OUTPUT]), np.ravel(outputs[DME_OUTPUT])
    probability = float(np.ravel(outputs[REFERABLE_OUTPUT])[0])
    if not (np.isfinite(dr).all() and np.isfinite(dme).all() and np.isfinite(probability)):
        raise EdgesegError(f"{info.path}: {NON_FINITE}; check the file with `edgeseg export --inspect {info.path}` or export it again")
    threshold = float(info.card.get("grading", {}).get("referable_threshold", 0.5))
    return {
        "dr_grade": int(np.argmax(dr)), "dr_name": DR_CLASSES[int(np.argmax(dr))],
        "dme_risk": int(np.argmax(dme)), "dme_name": DME_CLASSES[int(np.argmax(dme))],
        "referable_prob": probability, "referable_threshold": threshold, "refer": probability >= threshold,
        "dr_probs": [round(float(p), 6) for p in dr], "dme_probs": [round(float(p), 6) for p in dme],
    }


def verdict_lines(verdict: dict) -> list[str]:
    """Two short lines for the overlay's legend and the terminal."""
    advice = "refer" if verdict["refer"] else "no referral"
    return [f"DR grade {verdict['dr_grade']} ({verdict['dr_name']}), DME risk {verdict['dme_risk']}",
            f"referral probability {verdict['referable_prob']:.2f}: {advice}"]
