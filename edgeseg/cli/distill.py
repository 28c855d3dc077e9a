"""`edgeseg distill`: train a U²-XS-Net student from one or several teacher runs (a teacher per
lesion allowed); the result is a normal run folder that `edgeseg export` takes."""

from __future__ import annotations

import argparse

from edgeseg.cli.train import add_training_arguments, print_summary, resume_overrides, training_options


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
    parser.add_argument("--student", default="u2xs", choices=["u2xs"], help="student architecture (default u2xs)")
    parser.add_argument("--mode", default="mt", choices=["st", "dt", "mt"], help="student mode (default mt: all four lesions)")
    parser.add_argument("--weight", type=float, default=1.0, help="weight of the distillation term (default 1)")
    parser.add_argument(
        "--teacher-calibration", default="none", choices=["none", "prevalence"],
        help="prevalence: shift each teacher lesion's logits so that its mean probability on the training images "
        "equals the lesion's share of mask pixels (for teachers trained with class-balanced losses, whose "
        "probabilities are inflated); none: use the probabilities as they are (default)",
    )
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
        recipe = f"distill-{args.student}-{args.mode}"
        summary = train(training_options(args, recipe, teachers=teachers, distill_weight=args.weight,
                                           teacher_calibration=args.teacher_calibration))
    print_summary(summary, text_table)
    return 0
