"""Pelican's best case: every site from one Python process, a pool of two workers.

python bench/drivers/pelican_all.py CORPUS/pelican OUT
"""

from __future__ import annotations

import logging
import sys
from multiprocessing import Pool
from pathlib import Path


def build(args: tuple[str, str]) -> None:
    from pelican import Pelican
    from pelican.settings import read_settings

    site, out = args
    settings = read_settings(
        str(Path(site) / "pelicanconf.py"), override={"PATH": str(Path(site) / "content"), "OUTPUT_PATH": out}
    )
    Pelican(settings).run()


if __name__ == "__main__":
    logging.disable(logging.WARNING)
    corpus, out = Path(sys.argv[1]), Path(sys.argv[2])
    jobs = [(str(site), str(out / site.name)) for site in sorted(corpus.iterdir()) if site.is_dir()]
    with Pool(2) as pool:
        pool.map(build, jobs, chunksize=4)
