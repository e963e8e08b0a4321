"""DVC stages: ``python -m stages.<name>``. Each reads its params section and input
files, calls the library, and writes its declared outputs atomically."""

import argparse


def dataset_arg(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--dataset", required=True, help="dataset name (fetch.dataset)")
    return parser
