"""The screening verdict's facts from lesion maps: the optic disc and fovea (:mod:`.anatomy`), the
findings a grader reads (:mod:`.findings`), the grader carried as data (:mod:`.grader`) and the
findings in words (:mod:`.words`)."""
