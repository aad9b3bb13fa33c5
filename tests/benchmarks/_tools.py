"""Command-line tools a benchmark compares with or drives (pandoc, wrk), from Debian's packages."""

from __future__ import annotations

import os
import shutil
import subprocess


def debian_tool(command: str, package: str | None = None) -> str | None:
    """The path of `command`; installed with apt-get first if missing and we may. None if not."""
    found = shutil.which(command)
    if found or shutil.which("apt-get") is None or os.geteuid() != 0:
        return found
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", package or command]
    for step in ([install], [["apt-get", "update", "-qq"], install]):
        for argv in step:
            result = subprocess.run(argv, env=env, capture_output=True, timeout=600, check=False)
            if result.returncode != 0:
                break
        if shutil.which(command):
            return shutil.which(command)
    return None
