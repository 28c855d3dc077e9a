"""`edgeseg distill`: train a U²-XS-Net student from one or several teacher runs (a teacher per
lesion allowed); the result is a normal run folder that `edgeseg export` takes."""

from __future__ import annotations

import argparse

from edgeseg.cli.options import add_options, given_options
from edgeseg.cli.train import add_training_arguments, print_summary, resume_overrides, training_options
from edgeseg.train.options import DistillOptions


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "distill",
        help="train a small student from trained teachers",
        description="Distil teachers (runs or model files of any architecture, each run with its own preprocessing) "
        "into a U²-XS-Net student: the student's loss on the masks plus the same loss on the teachers' "
        "probabilities. Where several teachers predict a lesion, their probabilities are averaged.",
    )
    parser.add_argument("--teacher", help="teacher run folders or model files, comma-separated; PATH:MA (or PATH:MA+HE) "
                        "teaches only those of the teacher's lesions")
    add_options(parser, DistillOptions)
    add_training_arguments(parser)
    parser.set_defaults(handler=run_distill)


def run_distill(args: argparse.Namespace) -> int:
    from edgeseg.errors import EdgesegError
    from edgeseg.report import text_table
    from edgeseg.train import resume, train

    if args.resume:
        summary = resume(args.resume, **resume_overrides(args))
    else:
        if not args.teacher or not args.data:
            raise EdgesegError("--teacher RUN_DIR[,RUN_DIR...] and --data DIR are required (or --resume RUN_DIR)")
        teachers = [part.strip() for part in args.teacher.split(",") if part.strip()]
        distill = DistillOptions(**given_options(args, DistillOptions))
        recipe = f"distill-{distill.student}-{distill.mode}"
        summary = train(training_options(args, recipe, teachers=teachers, distill_weight=distill.weight,
                                           teacher_calibration=distill.teacher_calibration))
    print_summary(summary, text_table)
    return 0
