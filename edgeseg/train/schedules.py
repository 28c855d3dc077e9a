"""Learning-rate schedules as pure functions of the training position.

The rate is recomputed from (epoch, iteration) before every optimizer step, so a resumed run
needs no scheduler state to continue on the same curve.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Schedule:
    """``constant``; ``poly`` (lr (1 - t/T)^power over all iterations: Dual2Net, local-global);
    ``step`` (from epoch ``start`` multiply by ``factor`` every ``every`` epochs: U²-XS-Net,
    from the 115th epoch x 0.75 every 15 epochs)."""

    kind: str = "constant"
    power: float = 0.9
    start: int = 115
    every: int = 15
    factor: float = 0.75

    def stretched(self, scale: float) -> "Schedule":
        """A step schedule whose start and step are ``scale`` times as many epochs (a run ``scale``
        times as long decays at the same fractions of it); other kinds are relative already."""
        if self.kind != "step":
            return self
        return replace(self, start=round(self.start * scale), every=max(1, round(self.every * scale)))

    def factor_at(self, epoch: int, iteration: int, iterations_per_epoch: int, epochs: int) -> float:
        """Multiplier of the base learning rate at a position (epoch and iteration from 0)."""
        if self.kind == "constant":
            return 1.0
        if self.kind == "poly":
            total = max(1, epochs * iterations_per_epoch)
            done = epoch * iterations_per_epoch + iteration
            return max(0.0, 1.0 - done / total) ** self.power
        if self.kind == "step":
            if epoch < self.start:
                return 1.0
            return self.factor ** (1 + (epoch - self.start) // self.every)
        raise ValueError(f"unknown schedule {self.kind!r}")
