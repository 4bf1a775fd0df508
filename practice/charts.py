"""The charts' shared look (pygal renders server-side SVG: the same chart serves the browser and PDFs)."""

import sys

from pygal.style import Style

# pygal registers an old-style import hook (for its map plugins, unused here) that lacks find_spec;
# importers that ask every hook for find_spec (pytest's importlib mode among them) then fail.
sys.meta_path[:] = [hook for hook in sys.meta_path if type(hook).__name__ != "PluginImportFixer"]


CHART_STYLE = Style(
    colors=("#2f6f68", "#b3261e", "#0b6fa4", "#8a5a00", "#6a4c93", "#2e7d32", "#c2185b"),
    background="white",
    plot_background="white",
    foreground="#1f2a28",
    foreground_strong="#1f2a28",
    foreground_subtle="#5b6b68",
    font_family="sans-serif",
)
