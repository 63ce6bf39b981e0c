"""Release rendering, pure: a Release in, the release files and the public pages' HTML out."""

from .files import build_release_files, write_release_files
from .model import EntryTrace, ListRelease, Release, ReleaseEntry
from .page import render_index, render_list, render_notice

__all__ = ["EntryTrace", "ListRelease", "Release", "ReleaseEntry", "build_release_files",
           "render_index", "render_list", "render_notice", "write_release_files"]
